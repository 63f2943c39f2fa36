#!/usr/bin/env python
from pinzhi.cli import main

if __name__ == "__main__":
    main()
