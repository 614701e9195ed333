"""Who owns each business unit's models, and whom their incidents escalate to. The contacts are fictional."""

from __future__ import annotations

from demo.spec import Contact

MODEL_RISK = Contact("Model Risk Office", "model-risk@example.com", "model_risk")
OWNERS: dict[str, tuple[Contact, Contact]] = {
    "consumer_lending": (
        Contact("Priya Raman", "priya.raman@example.com"),
        Contact("Marcus Okafor", "marcus.okafor@example.com", "head_of_unit"),
    ),
    "payments_risk": (
        Contact("Lena Fischer", "lena.fischer@example.com"),
        Contact("Tomas Alvarez", "tomas.alvarez@example.com", "head_of_unit"),
    ),
    "customer": (
        Contact("Grace Liu", "grace.liu@example.com"),
        Contact("Daniel Mensah", "daniel.mensah@example.com", "head_of_unit"),
    ),
    "hr": (
        Contact("Sofia Novak", "sofia.novak@example.com"),
        Contact("Ahmed Haddad", "ahmed.haddad@example.com", "head_of_unit"),
    ),
    "credit_risk": (
        Contact("Oliver Brandt", "oliver.brandt@example.com"),
        Contact("Hannah Kim", "hannah.kim@example.com", "head_of_unit"),
    ),
    "insurance": (
        Contact("Isabel Costa", "isabel.costa@example.com"),
        Contact("Kwame Asante", "kwame.asante@example.com", "head_of_unit"),
    ),
    "operations": (
        Contact("Nina Petrov", "nina.petrov@example.com"),
        Contact("Ravi Iyer", "ravi.iyer@example.com", "head_of_unit"),
    ),
}
"""Per business unit: the owner of its models and the unit's head."""


def contacts(unit: str) -> tuple[Contact, tuple[Contact, ...]]:
    """The owner of a business unit's models and whom to escalate to (the unit's head, then model risk)."""
    owner, head = OWNERS[unit]
    return owner, (head, MODEL_RISK)
