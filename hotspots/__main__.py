import signal
import sys

from hotspots.cli import main

# piped into head or less: stop quietly when the reader goes away, as Unix tools do
if hasattr(signal, "SIGPIPE"):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)

sys.exit(main())
