"""The BPMN engine: safe parsing, the platform's conventions, sandboxed scripts and durable state.

Built on SpiffWorkflow; one concern per module, like SpiffWorkflow's own parser/specs/serializer.
"""
