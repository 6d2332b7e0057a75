"""The digital twin: a simulated stretch of the province on the real platform (`motcua simulate`)."""
