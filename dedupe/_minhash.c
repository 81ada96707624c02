/* The MinHash kernel of dedupe.signature, compiled: the same affine32 values as the numpy path.
 *
 * For each set, the row of num_perm minima stays in L1 while every shingle of the set goes
 * through every permutation, instead of one pass over all shingles per permutation. The
 * arithmetic is uint32 with wrap-around, exactly as numpy's, so the values are bit-identical.
 * Only the buffer protocol is used (no numpy headers), and the GIL is released while it runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* One build, and the loop is compiled twice on x86-64: with AVX2 (8 lanes of multiply and
 * unsigned minimum) and for the baseline CPU; the loader picks one when the module is loaded. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define DEDUPE_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef DEDUPE_CLONES
#define DEDUPE_CLONES
#endif

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

DEDUPE_CLONES
static void minhash_rows(uint32_t *out, const uint32_t *hashes, const int64_t *offsets, Py_ssize_t sets,
                         const uint32_t *a, const uint32_t *b, Py_ssize_t num_perm) {
    for (Py_ssize_t i = 0; i < sets; i++) {
        uint32_t *row = out + i * num_perm;
        for (Py_ssize_t p = 0; p < num_perm; p++) row[p] = UINT32_MAX;
        int64_t k = offsets[i];
        /* Four shingles per pass over the row: a quarter of the loads and stores of the minima
         * (measured at 100k paragraphs: 0.41 s one at a time, 0.32 s by two, 0.23 s by four). */
        for (; k + 3 < offsets[i + 1]; k += 4) {
            const uint32_t h0 = fmix32(hashes[k]), h1 = fmix32(hashes[k + 1]);
            const uint32_t h2 = fmix32(hashes[k + 2]), h3 = fmix32(hashes[k + 3]);
            for (Py_ssize_t p = 0; p < num_perm; p++) {
                const uint32_t v0 = a[p] * h0 + b[p], v1 = a[p] * h1 + b[p];
                const uint32_t v2 = a[p] * h2 + b[p], v3 = a[p] * h3 + b[p];
                const uint32_t m0 = v0 < v1 ? v0 : v1, m1 = v2 < v3 ? v2 : v3;
                const uint32_t m = m0 < m1 ? m0 : m1;
                row[p] = m < row[p] ? m : row[p];
            }
        }
        for (; k < offsets[i + 1]; k++) {
            const uint32_t h = fmix32(hashes[k]);
            for (Py_ssize_t p = 0; p < num_perm; p++) {
                const uint32_t v = a[p] * h + b[p];
                row[p] = v < row[p] ? v : row[p];
            }
        }
    }
}

static PyObject *minhash(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer out, hashes, offsets, a, b;
    if (!PyArg_ParseTuple(args, "w*y*y*y*y*", &out, &hashes, &offsets, &a, &b)) return NULL;
    PyObject *result = NULL;
    const Py_ssize_t num_perm = a.len / 4;
    const Py_ssize_t sets = offsets.len / 8 - 1;
    const Py_ssize_t shingles = hashes.len / 4;
    if (b.len != a.len || num_perm == 0 || sets < 0 || out.len != sets * num_perm * 4) {
        PyErr_SetString(PyExc_ValueError, "minhash: buffer sizes do not match");
        goto done;
    }
    const int64_t *off = (const int64_t *)offsets.buf;
    for (Py_ssize_t i = 0; i < sets; i++) {
        /* Checked before the loop so that a bad offsets array cannot read outside hashes. */
        if (off[i] < 0 || off[i] > off[i + 1] || off[i + 1] > shingles) {
            PyErr_SetString(PyExc_ValueError, "minhash: offsets are not a partition of the hashes");
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS;
    minhash_rows((uint32_t *)out.buf, (const uint32_t *)hashes.buf, off, sets, (const uint32_t *)a.buf,
                 (const uint32_t *)b.buf, num_perm);
    Py_END_ALLOW_THREADS;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&out);
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;
}

static PyMethodDef methods[] = {
    {"minhash", minhash, METH_VARARGS,
     "minhash(out, hashes, offsets, a, b): write the MinHash rows of the sets into out (uint32, C order)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "dedupe._minhash", NULL, -1, methods};

PyMODINIT_FUNC PyInit__minhash(void) { return PyModule_Create(&module); }
