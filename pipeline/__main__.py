import os
import sys

from pipeline.cli import main

if __name__ == "__main__":  # a worker process (pipeline.stages.quality) must not run the command again
    try:
        sys.exit(main())
    except BrokenPipeError:  # the output was piped into a program that stopped reading (| more, | head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that exiting does not complain
        sys.exit(0)
