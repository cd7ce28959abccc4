"""Early warning and incidents (P5, E1, L2). So far: the detector (`detector.py`) over the
telecom-problem dictionary (`problems.py`), the contacts file it reads (`contacts_file.py`,
`servicehall warn`) and the generator of complaint streams it is measured on (`stream.py`)."""
