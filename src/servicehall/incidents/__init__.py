"""Early warning and incidents (P5, E1, L2): the telecom-problem dictionary (`problems.py`), the
detector (`detector.py`) shared by the stream and `servicehall warn` (`contacts_file.py`), the
stream's writes and the incidents (`services.py`, `tasks.py`), their reads (`selectors.py`) and
the generator the detector is measured on (`stream.py`)."""
