import numpy as np
import numpy.typing as npt

def minhash(
    out: npt.NDArray[np.uint32],
    hashes: npt.NDArray[np.uint32],
    offsets: npt.NDArray[np.int64],
    a: npt.NDArray[np.uint32],
    b: npt.NDArray[np.uint32],
    /,
) -> None: ...
def shingle(
    out: npt.NDArray[np.uint32],
    keys: list[str],
    offsets: npt.NDArray[np.int64],
    size: int,
    multipliers: npt.NDArray[np.uint32],
    /,
) -> None: ...
