"""The JAG briefing: its content (sections built from the tasks) and its PDF and PowerPoint renderers."""
