import sys

from pipeline.cli import main

if __name__ == "__main__":  # a worker process (pipeline.quality) must not run the command again
    sys.exit(main())
