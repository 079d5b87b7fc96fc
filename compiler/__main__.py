import gc
import sys

# the objects the imports create (modules, classes, functions) live as long as the process: the collector
# is kept off while they are made and never traverses them afterwards
gc.disable()
from .cli import main  # noqa: E402

gc.freeze()
gc.enable()
sys.exit(main())
