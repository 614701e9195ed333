"""The bundled demo fleet: 26 production-like models with 30 nights of requests, registered in MLflow, with
their configs, policies and Great Expectations suites, six planted incidents the nightly pipeline should find
(``INCIDENTS``) and a failure planted in a feed three models share (``FEED_INCIDENTS``).

    from demo import build_demo, serve_night
    print(build_demo(Path("configs/fleet.yaml")))
    for night in DEMO_NIGHTS:
        serve_night(Path("configs/fleet.yaml"), night)   # the night's batches, by the alias's versions
        ...                                              # then govern the night

``HUMAN_STEPS`` are what the teams do about the incidents, on which mornings. Importing this package is cheap:
scikit-learn, scipy and MLflow load only when a build or a night's serving runs.
"""

from demo.build import DemoSummary, build_demo
from demo.fleet import FLEET
from demo.generate import DEMO_NIGHTS
from demo.incidents import FEED_INCIDENTS, INCIDENTS
from demo.script import HUMAN_STEPS, HumanStep
from demo.serving import serve_night
from demo.spec import FeedIncident, Incident, ModelSpec

__all__ = [
    "DEMO_NIGHTS",
    "FEED_INCIDENTS",
    "FLEET",
    "HUMAN_STEPS",
    "INCIDENTS",
    "DemoSummary",
    "FeedIncident",
    "HumanStep",
    "Incident",
    "ModelSpec",
    "build_demo",
    "serve_night",
]
