/* An in-place sort of 64-bit unsigned integers, compiled: the bucket keys of dedupe.index.
 *
 * LSD radix sort, eight digits of 8 bits: one pass reads every value and counts all eight
 * digits, then each digit that is not the same for every value moves the values once,
 * into the scratch buffer or back. The result is numpy's sort of the same values (integers
 * have one order). On the development machine numpy sorts 9 million keys in 0.61 s and
 * this in 0.14 s (11-bit digits: 0.25 s; 256 buckets keep the scattered writes in cache),
 * and the bands of a long text sort 64 of them.
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

static void radix_sort(uint64_t *values, uint64_t *scratch, Py_ssize_t n, Py_ssize_t (*counts)[BUCKETS]) {
    for (Py_ssize_t i = 0; i < n; i++) {
        const uint64_t x = values[i];
        for (int d = 0; d < DIGITS; d++) counts[d][(x >> (d * DIGIT_BITS)) & MASK]++;
    }
    uint64_t *from = values, *to = scratch;
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
        for (Py_ssize_t i = 0; i < n; i++) {
            const uint64_t x = from[i];
            to[count[(x >> shift) & MASK]++] = x;
        }
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != values) memcpy(values, from, (size_t)n * sizeof(uint64_t));
}

static PyObject *sort(PyObject *self, PyObject *args) {
    Py_buffer values, scratch;
    if (!PyArg_ParseTuple(args, "w*w*", &values, &scratch)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t (*counts)[BUCKETS] = NULL;
    if (values.len % sizeof(uint64_t) != 0 || scratch.len < values.len) {
        PyErr_SetString(PyExc_ValueError, "values must be uint64, and scratch at least as long");
        goto done;
    }
    const Py_ssize_t n = values.len / (Py_ssize_t)sizeof(uint64_t);
    if (n < 2) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    counts = calloc(DIGITS, sizeof *counts);
    if (counts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS;
    radix_sort((uint64_t *)values.buf, (uint64_t *)scratch.buf, n, counts);
    Py_END_ALLOW_THREADS;
    result = Py_NewRef(Py_None);
done:
    free(counts);
    PyBuffer_Release(&values);
    PyBuffer_Release(&scratch);
    return result;
}

static PyMethodDef methods[] = {
    {"sort", sort, METH_VARARGS,
     "sort(values, scratch, /): sort the uint64 values in place (scratch: a writable buffer at least as long)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "dedupe._radix", NULL, -1, methods};

PyMODINIT_FUNC PyInit__radix(void) { return PyModule_Create(&module); }
