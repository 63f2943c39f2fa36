"""A stand-in for the sentence encoder in tests that do not measure meaning: unit vectors of
hashed character pairs (traditional folded to simplified), so texts sharing words are
similar, in microseconds and without loading the 30 MB model in every test process. Tests
that need the real model ask for the `real_meaning` fixture (pinzhi/conftest.py)."""

import zlib

import numpy as np

from pinzhi.complaints.meaning import DIMENSIONS
from pinzhi.complaints.text import fold


class FakeEncoder:
    def encode(self, texts):
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        matrix = np.zeros((len(batch), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(batch):
            chars = [c for c in fold(text) if c.isalnum()]
            for pair in zip(chars, chars[1:], strict=False):
                matrix[row, zlib.crc32("".join(pair).encode()) % DIMENSIONS] += 1.0
            matrix[row, 0] += 1.0  # what every text shares
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
        return matrix[0] if single else matrix


FAKE = FakeEncoder()
