"""The scheduler: BPMN timers, deadline watch and periodic jobs, in-process or standalone."""
