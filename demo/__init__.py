"""The bundled demo fleet: 26 production-like models with 30 nights of data, registered in MLflow, with
their configs, policies and Great Expectations suites, and six planted incidents the nightly pipeline should
find (``INCIDENTS``).

    from demo import build_demo
    print(build_demo(Path("configs/fleet.yaml")))

Importing this package is cheap: scikit-learn, scipy and MLflow load only when a build runs.
"""

from demo.build import DemoSummary, build_demo
from demo.fleet import FLEET
from demo.generate import DEMO_NIGHTS
from demo.incidents import INCIDENTS
from demo.spec import Incident, ModelSpec

__all__ = ["DEMO_NIGHTS", "FLEET", "INCIDENTS", "DemoSummary", "Incident", "ModelSpec", "build_demo"]
