"""
Fixes to moto 5.2.1's Step Functions interpreter for the local account (scripts/local-account/start.sh runs
moto_server through this module). Each patch names the moto behaviour it corrects; none changes an answer AWS gives.

- StartExecution deep-copies the state machine to freeze the definition the execution runs; the copy follows
  StateMachine.backend into every other state machine and its running executions, whose threads' locks cannot be
  copied, so every StartExecution after the first in a region fails with HTTP 500. The snapshot needs only the
  state machine's own fields: a shallow copy without the executions gives the execution the definition it started
  with (what AWS does) and shares the backend.
- ListStateMachineVersions is not implemented (HTTP 500), though moto publishes versions and describes them by
  ARN: it is answered from those versions, newest first, as AWS lists them (no paging: a test has few).
"""
import copy

from moto.core.responses import ActionResult
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.responses import StepFunctionResponse


def _snapshot(self, memo):
    clone = copy.copy(self)
    clone.executions = []
    clone.versions = dict(self.versions)
    clone.aliases = dict(self.aliases)
    return clone


StateMachine.__deepcopy__ = _snapshot


def _list_state_machine_versions(self):
    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    versions = sorted(machine.versions.values(), key=lambda version: version.version, reverse=True)
    return ActionResult(
        {"stateMachineVersions": [{"stateMachineVersionArn": v.arn, "creationDate": v.creation_date} for v in versions]}
    )


StepFunctionResponse.list_state_machine_versions = _list_state_machine_versions


if __name__ == "__main__":
    import sys

    from moto.server import main

    sys.exit(main(sys.argv[1:]))
