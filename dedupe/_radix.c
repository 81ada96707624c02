/* A stable argsort of 64-bit unsigned integers, compiled: the bucket keys of dedupe.index.
 *
 * LSD radix sort, eight digits of 8 bits, carrying each key's row: one pass reads every
 * key and counts all eight digits, then each digit that is not the same for every key
 * moves the keys and their rows once, into the scratch buffers or back. Each pass keeps
 * equal digits in order, so equal keys end in the order of their rows: numpy's stable
 * argsort of the same keys. On the development machine numpy sorts 9 million keys in
 * 0.63 s (its stable argsort in 1.5 s) and this argsorts them in 0.34 s. Digits of 8 bits
 * because 256 buckets keep the scattered writes in cache: sorting the keys alone took
 * 0.14 s with them and 0.25 s with 11-bit digits.
 * Only the buffer protocol is used (no numpy headers), and the GIL is released while it runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DIGIT_BITS 8
#define BUCKETS (1 << DIGIT_BITS)
#define DIGITS 8 /* every bit of a uint64 */
#define MASK (BUCKETS - 1)

static void radix_sort(uint64_t *keys, uint32_t *rows, uint64_t *keys_to, uint32_t *rows_to, Py_ssize_t n,
                       Py_ssize_t (*counts)[BUCKETS]) {
    for (Py_ssize_t i = 0; i < n; i++) {
        const uint64_t x = keys[i];
        rows[i] = (uint32_t)i;
        for (int d = 0; d < DIGITS; d++) counts[d][(x >> (d * DIGIT_BITS)) & MASK]++;
    }
    uint64_t *from = keys, *to = keys_to;
    uint32_t *from_rows = rows, *to_rows = rows_to;
    for (int d = 0; d < DIGITS; d++) {
        const int shift = d * DIGIT_BITS;
        Py_ssize_t *count = counts[d];
        if (count[(from[0] >> shift) & MASK] == n) continue; /* the same digit everywhere: order kept */
        Py_ssize_t at = 0;
        for (int b = 0; b < BUCKETS; b++) { /* counts become each bucket's first position */
            const Py_ssize_t c = count[b];
            count[b] = at;
            at += c;
        }
        for (Py_ssize_t i = 0; i < n; i++) { /* in order: equal digits keep their order (stable) */
            const uint64_t x = from[i];
            const Py_ssize_t j = count[(x >> shift) & MASK]++;
            to[j] = x;
            to_rows[j] = from_rows[i];
        }
        uint64_t *swap = from;
        from = to;
        to = swap;
        uint32_t *swap_rows = from_rows;
        from_rows = to_rows;
        to_rows = swap_rows;
    }
    if (from != keys) {
        memcpy(keys, from, (size_t)n * sizeof(uint64_t));
        memcpy(rows, from_rows, (size_t)n * sizeof(uint32_t));
    }
}

static PyObject *argsort(PyObject *self, PyObject *args) {
    Py_buffer keys, rows, keys_to, rows_to;
    if (!PyArg_ParseTuple(args, "w*w*w*w*", &keys, &rows, &keys_to, &rows_to)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t (*counts)[BUCKETS] = NULL;
    const Py_ssize_t n = keys.len / (Py_ssize_t)sizeof(uint64_t);
    if (keys.len % sizeof(uint64_t) != 0 || n > (Py_ssize_t)UINT32_MAX + 1 ||
        rows.len != n * (Py_ssize_t)sizeof(uint32_t) || keys_to.len < keys.len || rows_to.len < rows.len) {
        PyErr_SetString(PyExc_ValueError,
                        "keys must be uint64 (at most 2**32), rows uint32 of the same length, and the scratch "
                        "buffers at least as long");
        goto done;
    }
    counts = calloc(DIGITS, sizeof *counts);
    if (counts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (n > 0) {
        Py_BEGIN_ALLOW_THREADS;
        radix_sort((uint64_t *)keys.buf, (uint32_t *)rows.buf, (uint64_t *)keys_to.buf, (uint32_t *)rows_to.buf, n,
                   counts);
        Py_END_ALLOW_THREADS;
    }
    result = Py_NewRef(Py_None);
done:
    free(counts);
    PyBuffer_Release(&keys);
    PyBuffer_Release(&rows);
    PyBuffer_Release(&keys_to);
    PyBuffer_Release(&rows_to);
    return result;
}

static PyMethodDef methods[] = {
    {"argsort", argsort, METH_VARARGS,
     "argsort(keys, rows, keys_to, rows_to, /): sort the uint64 keys in place, stably, and write in rows "
     "(uint32) the position each came from; keys_to and rows_to are scratch buffers at least as long."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "dedupe._radix", NULL, -1, methods};

PyMODINIT_FUNC PyInit__radix(void) { return PyModule_Create(&module); }
