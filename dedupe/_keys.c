/* The matching key of dedupe.normalize in one pass, for texts whose every character maps alone.
 *
 * dedupe/keytable.py works out, for each character of the Basic Multilingual Plane, what the
 * key makes of it (NFKC, case folding, the quote, dash and invisible folds) when that does not
 * depend on its neighbours, and hands the table over with install(). key() then reads each
 * character once, looks it up, and collapses whitespace on the way. A character that needs its
 * context (a combining mark, a conjoining jamo, one that composes with the character before
 * it, one outside the BMP) makes key() return None, and the caller takes the Python path,
 * which gives the same key for every text (a test checks it).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Table entries other than a single code point (code points are below 0x110000). */
#define UNSAFE 0xFFFFFFFFu   /* needs its context: the Python path decides */
#define DROP 0xFFFFFFFEu     /* folded away (zero-width and other invisible characters) */
#define SPACE 0xFFFFFFFDu    /* whitespace: one plain space between words, none at the ends */
#define EXPANDS 0x40000000u  /* several characters: EXPANDS | start << 4 | length, in the expansions */

static PyObject *table_owner, *expansions_owner;
static const uint32_t *table, *expansions;
static Py_ssize_t expansions_size, widest = 1, longest;

static PyObject *install(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *table_object, *expansions_object;
    Py_ssize_t widest_expansion, longest_text;
    if (!PyArg_ParseTuple(args, "SSnn", &table_object, &expansions_object, &widest_expansion, &longest_text))
        return NULL;
    if (PyBytes_GET_SIZE(table_object) != 0x10000 * 4 || PyBytes_GET_SIZE(expansions_object) % 4 ||
        widest_expansion < 1 || widest_expansion > 15 || longest_text < 0) {
        PyErr_SetString(PyExc_ValueError, "install: the table is not 65,536 uint32 entries");
        return NULL;
    }
    /* The bytes objects are kept alive here: key() reads them without a reference of its own. */
    Py_XSETREF(table_owner, Py_NewRef(table_object));
    Py_XSETREF(expansions_owner, Py_NewRef(expansions_object));
    table = (const uint32_t *)PyBytes_AS_STRING(table_object);
    expansions = (const uint32_t *)PyBytes_AS_STRING(expansions_object);
    expansions_size = PyBytes_GET_SIZE(expansions_object) / 4;
    widest = widest_expansion;
    longest = longest_text;
    Py_RETURN_NONE;
}

/* Write the key of data[0:n] into out; return its length, or -1 when a character needs the
 * Python path. *same says whether the key is the text itself. */
static inline Py_ssize_t fold(int kind, const void *data, Py_ssize_t n, uint32_t *out, int *same) {
    Py_ssize_t length = 0;
    int pending = 0, changed = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c > 0xFFFF) return -1;
        const uint32_t v = table[c];
        if (v < 0x110000u) {
            if (pending) out[length++] = ' ';
            pending = 0;
            out[length++] = v;
            changed |= v != c;
        } else if (v == SPACE) {
            /* A space that is not the first of a run between words is dropped. */
            changed |= c != ' ' || pending || length == 0;
            pending = length > 0;
        } else if (v == DROP) {
            changed = 1;
        } else if (v == UNSAFE) {
            return -1;
        } else {
            const Py_ssize_t start = (v & ~EXPANDS) >> 4, size = v & 15;
            if (start + size > expansions_size) return -1;
            if (pending) out[length++] = ' ';
            pending = 0;
            for (Py_ssize_t k = 0; k < size; k++) out[length++] = expansions[start + k];
            changed = 1;
        }
    }
    *same = !changed && !pending;
    return length;
}

static PyObject *key(PyObject *self, PyObject *text) {
    (void)self;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "key: text must be a str");
        return NULL;
    }
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (table == NULL || n > longest) Py_RETURN_NONE;
    uint32_t small[1024];
    uint32_t *out = small;
    if (n * widest > (Py_ssize_t)(sizeof small / sizeof small[0])) {
        out = PyMem_Malloc((size_t)(n * widest) * sizeof(uint32_t));
        if (out == NULL) return PyErr_NoMemory();
    }
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int same = 0;
    Py_ssize_t length;
    /* One call per kind, so that each loop is compiled for its width. */
    if (kind == PyUnicode_1BYTE_KIND)
        length = fold(PyUnicode_1BYTE_KIND, data, n, out, &same);
    else if (kind == PyUnicode_2BYTE_KIND)
        length = fold(PyUnicode_2BYTE_KIND, data, n, out, &same);
    else
        length = fold(PyUnicode_4BYTE_KIND, data, n, out, &same);
    PyObject *result;
    if (length < 0)
        result = Py_NewRef(Py_None);
    else if (same)
        result = Py_NewRef(text);
    else
        result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, length);
    if (out != small) PyMem_Free(out);
    return result;
}

static PyMethodDef methods[] = {
    {"install", install, METH_VARARGS,
     "install(table, expansions, widest, longest): the per-character table (65,536 uint32, native order), "
     "the expansions it points into, the most characters one character becomes, the longest text to fold."},
    {"key", key, METH_O, "key(text): the matching key of text, or None when the Python path must decide."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "dedupe._keys", NULL, -1, methods};

PyMODINIT_FUNC PyInit__keys(void) { return PyModule_Create(&module); }
