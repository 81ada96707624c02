import numpy as np
import numpy.typing as npt

def sort(values: npt.NDArray[np.uint64], scratch: npt.NDArray[np.uint64], /) -> None: ...
