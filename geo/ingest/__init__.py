"""Loading files into the store: read, stage, place, write one transaction per file.

``pipeline`` holds the shared machinery and police.uk; ``ae`` the A&E (ISTV) loader on top of it.
"""
