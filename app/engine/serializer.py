"""Serialize running workflows without their process spec.

SpiffWorkflow's serializer embeds the whole spec in every instance (about 43 % of a finished
case). The spec is immutable per deployment, so we keep it once in the deployment and hand
the parsed objects back on load; instance rows hold only tasks and data.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import SpiffMultiInstanceConverter

from app.engine.compaction import compact, remember_done
from app.engine.limits import BoundedParallelMultiInstanceTask, BoundedSequentialMultiInstanceTask

SERIALIZER_VERSION = VERSION


class _SpeclessConverter(BpmnWorkflowConverter):
    """Leaves the spec (and the finished history, ``app.engine.compaction``) out on the way out and takes
    cached spec objects on the way in."""

    compacting = True

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        if self.compacting:
            compact(workflow, dct)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: BpmnProcessSpec | None = None,
                  subprocess_specs: dict[str, Any] | None = None) -> BpmnWorkflow:
        if spec is None:  # a full serialization (e.g. from an older row) still loads
            return super().from_dict(dct)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        remember_done(workflow, dct)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


_CONFIG = {**SPIFF_CONFIG, BoundedParallelMultiInstanceTask: SpiffMultiInstanceConverter,
           BoundedSequentialMultiInstanceTask: SpiffMultiInstanceConverter}  # our parser's bounded specs


class _FullHistoryConverter(_SpeclessConverter):
    """Keeps every finished task: what states were before compaction (the differential tests compare)."""

    compacting = False


def _registry(compacting: bool = True) -> Any:
    config = dict(_CONFIG)
    config[BpmnWorkflow] = _SpeclessConverter if compacting else _FullHistoryConverter
    return BpmnWorkflowSerializer.configure(config)


class StateSerializer:
    """Turns a workflow into compact JSON text and back, given the deployment's spec."""

    def __init__(self, compacting: bool = True) -> None:
        self._serializer = BpmnWorkflowSerializer(_registry(compacting))
        self._spec_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))

    def dumps(self, workflow: BpmnWorkflow) -> str:
        return str(self._serializer.serialize_json(workflow))

    def loads(self, text: str, spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
        dct = json.loads(text)
        version = dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        if version in MIGRATIONS:
            MIGRATIONS[version](dct)
        return self._serializer.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)

    @property
    def registry(self) -> Any:
        """The full converter registry: what SpiffWorkflow's spec diff compares task specs with."""
        return self._spec_serializer.registry

    def spec_to_json(self, spec: BpmnProcessSpec, subprocess_specs: dict[str, Any]) -> str:
        """The spec as SpiffWorkflow would embed it in every instance; the benchmark measures what we save."""
        registry = self._spec_serializer.registry
        return json.dumps({
            "spec": registry.convert(spec),
            "subprocess_specs": {k: registry.convert(v) for k, v in subprocess_specs.items()},
        })
