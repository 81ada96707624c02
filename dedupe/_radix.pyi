import numpy as np
import numpy.typing as npt

def argsort(
    keys: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.uint32],
    keys_to: npt.NDArray[np.uint64],
    rows_to: npt.NDArray[np.uint32],
    /,
) -> None: ...
