"""A corpus index on a Redis server, shared by any number of worker processes.

Every key lives under ``{prefix}:``, so several corpora can share one server (a prefix
should not be another prefix followed by ``:``)::

    {prefix}:meta           JSON: layout version and the Deduper's parameters (SET NX by the first worker)
    {prefix}:next           entry counter; entry ids are 0, 1, 2, ... in order of creation
    {prefix}:entry          hash: entry id -> record (location, signature, key; see below)
    {prefix}:x{L}:{shard}   exact index, level L: bytes 4-15 of blake2b(scope, key) -> entry id
    {prefix}:b{L}:{shard}   LSH buckets, level L: low 4 bytes of a band key -> packed uint32 ids
    {prefix}:o{L}:{band}    a bucket that outgrew its field (more than 16 ids): packed ids
    {prefix}:docn           hash: document id -> document number; {prefix}:ndocs counts them
    {prefix}:d:{id // 64}   boilerplate counts: id % 64 -> packed uint32 document numbers
    {prefix}:ds:{id}        set of the document numbers of an entry found in more than 16 documents

``{shard}`` is the top bits of the digest or band key, as raw bytes (the last one masked).

Why this layout. An index holds ``bands`` (32) bucket fields per paragraph, so the cost
of one field decides its size. One Redis key per bucket (a set, as datasketch's Redis
storage does) costs over a hundred bytes per field in key overhead; a hash of up to 128
small fields is stored by Redis as one *listpack*, where a 4-byte field and a 4-byte id
take about 12 bytes. So buckets are hashes sharded by the high bits of the band key,
aiming at 64 fields per shard. How many shards is right depends on the size of the index,
which grows: entries are therefore placed in *levels* by their id (ids below 65,536 in
level 0, then levels 8 times larger), each level with 8 times more shards than the last.
A level's shards are filled once and stay compact whatever the final size; a lookup asks
every level that exists, which is a handful (3 at a million entries, 5 at 100 million).
The exact index uses the same scheme with one field per entry. (Measured on the
benchmark corpus, ``python -m benchmarks.redis_index``: about 520 bytes of buckets per
paragraph at 20,000 paragraphs against 12,600 bytes for datasketch's Redis storage; a
smaller level 0 saves a little memory below a million entries but costs one more lookup
per band key from then on.)

A shard's field is only the low half of the band key (the high half chose the shard):
band keys that still collide yield a spurious candidate, which verification drops like
any LSH false positive. Exact keys keep 96 + at least 10 bits of a 16-byte digest, far
too many to collide. A bucket whose packed ids would pass 64 bytes (Redis's default
``hash-max-listpack-value``, beyond which the whole shard would become a hash table)
moves to a string key of its own and leaves an empty marker. Documents are numbered so
that the boilerplate counts hold 4-byte numbers, not document ids.

A bucket's ids are appended in id order (each script takes its ids and writes its buckets
atomically), level after level, so a lookup that wants the first ``FIRST_OF_BUCKET`` ids
of a crowded bucket reads only those (``GETRANGE`` on a long one), and one that skips
buckets of more than ``CROWDED_BUCKET`` ids measures them first (``STRLEN``): it finds
what :class:`~dedupe.store.MemoryStore` finds (see :meth:`dedupe.store.Store.find_near`).
Only two band keys that collide in their shard and low half can make the two differ:
their merged bucket holds the ids of both.

Records are immutable except for their location, which :meth:`RedisStore.add_docs`
moves to the least ``(document, paragraph index)``; the location is therefore the head of
the record: ``<I doc length, q index, q start, q end>`` and the document id (UTF-8), then
``num_perm`` little-endian uint32 and the key (UTF-8 with ``surrogatepass``, so that any
Python string round-trips). No pickle: reading an index never runs code.

Every operation is one Lua script (or one command) per call, so a document costs a fixed
number of round trips whatever its length (a very long one goes in chunks of 512
paragraphs, pipelined, so that no script blocks the server for long). Scripts run
atomically: the exact-key claim, the new id, its record and its buckets appear together,
so two workers adding the same paragraph at the same moment get one entry (the second
gets the first's id, marked not new), and a reader never sees an id without its record.
Scripts derive key names from the prefix, so the index needs one Redis server (with
replicas if you like), not Redis Cluster.

Every Redis error (lost connection, timeout, loading, refused command) is raised as a
:class:`~dedupe.errors.CorpusIndexError` naming the server without its password. A lost
connection is retried a few times at once (a restart or a failover); a server that does
not answer within the timeout (``?timeout=``, 5 seconds by default) is not waited for again.

A server can also lose the index while a worker uses it (restarted without its data,
``FLUSHALL``, the keys deleted). Nothing in the other keys would tell: an empty index is a
valid one. So ``{prefix}:meta`` holds a random token drawn by the worker that created the
index, each worker keeps the meta it read when it joined, and every script first checks
that the server still holds exactly that (one ``GET``): an index gone, or created again by
another worker since, stops the worker with a CorpusIndexError before anything is read or
written. A server restarted *with* its data holds the same meta and goes on.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import numpy as np
import numpy.typing as npt

from dedupe.errors import CorpusIndexError
from dedupe.store import (
    CROWDED_BUCKET,
    FIRST_OF_BUCKET,
    BandKeys,
    Crowded,
    Ids,
    Location,
    Records,
    Signatures,
    _compare,
)

if TYPE_CHECKING:
    import redis
    from redis.commands.core import Script

LAYOUT = 1  # of the keys and records described above; stored in {prefix}:meta
FIRST = 65536  # entries in level 0
STEP = 3  # each further level holds 2**STEP times more entries, in 2**STEP times more shards
FILL = 64  # fields per shard that a full level aims at (listpacks hold up to 128 by default)
CHUNK = 512  # paragraphs per script call: one long document must not block the server for long
SAMPLE = 20_000  # stats(): above this many keys, measure a sample and extrapolate
TIMEOUT = 5.0  # seconds to connect, and to wait for any reply; ?timeout= in the URL changes it
_LOST = "DEDUPE-INDEX-LOST"  # starts the error that a script returns when the index is not the one joined

_HEAD = struct.Struct("<Iqqq")  # doc length, index, span start, span end
_DIGEST_PERSON = b"dedupe-exact"

# Shared by every script. FIRST and STEP are filled in below; ARGV[1] is always the prefix, and
# the last argument the index's meta as this worker read it when it joined (see the docstring):
# if the server no longer holds exactly that, the index was lost, and the script stops at once.
_PRELUDE = """
local P = ARGV[1]
local META = redis.call('GET', P .. ':meta')
if META ~= ARGV[#ARGV] then return redis.error_reply(META and '@LOST@ created again' or '@LOST@ gone') end
local FIRST, GROWTH, STEP = @FIRST@, 2 ^ @STEP@, @STEP@
local VALUE_MAX = 64

local function level_of(id)
  local level, cap = 0, FIRST
  while id >= cap do
    level = level + 1
    cap = cap * GROWTH
  end
  return level
end

local function top_level()
  local n = tonumber(redis.call('GET', P .. ':next') or '0')
  if n == 0 then return -1 end
  return level_of(n - 1)
end

-- Shard keys of one kind ('x' or 'b') per level: the key prefix, then the top bits of the
-- hash as raw bytes (whole bytes, then the partial byte masked): no number formatting,
-- which costs more than the lookup itself.
local function levels(kind, base)
  local cache = {}
  return function(level)
    local v = cache[level]
    if not v then
      local bits = math.min(32, base + STEP * level)
      local whole, rest = math.floor(bits / 8), bits % 8
      v = {P .. ':' .. kind .. level .. ':', whole, rest > 0 and 256 - 2 ^ (8 - rest) or 0, whole + 1}
      cache[level] = v
    end
    return v
  end
end

local function shard_key(v, h)
  if v[3] == 0 then return v[1] .. string.sub(h, 1, v[2]) end
  return v[1] .. string.sub(h, 1, v[2]) .. string.char(bit.band(string.byte(h, v[4]), v[3]))
end

local function exact_get(xlevel, d, top)
  local field = string.sub(d, 5)
  for level = 0, top do
    local v = redis.call('HGET', shard_key(xlevel(level), d), field)
    if v then return tonumber(v) end
  end
  return -1
end
"""

_FIND_EXACT = """
local xlevel, digests = levels('x', tonumber(ARGV[2])), ARGV[3]
local top = top_level()
local out = {}
for i = 0, #digests / 16 - 1 do
  out[i + 1] = struct.pack('<i8', exact_get(xlevel, string.sub(digests, 16 * i + 1, 16 * i + 16), top))
end
return table.concat(out)
"""

# A bucket holds its ids in id order, level after level. ARGV[5] = 0: read only its
# first ARGV[4] ids; ARGV[5] > 0: skip a bucket of more than ARGV[5] ids (see Store.find_near).
_FIND_NEAR = """
local blevel, blob = levels('b', tonumber(ARGV[2])), ARGV[3]
local first, crowded = tonumber(ARGV[4]), tonumber(ARGV[5])
local top = top_level()
local heads, found = {}, {}
for k = 0, #blob / 8 - 1 do
  local bk = string.sub(blob, 8 * k + 1, 8 * k + 8)
  local field = string.sub(bk, 5)
  if crowded == 0 then
    local room = first
    for level = 0, top do
      local v = redis.call('HGET', shard_key(blevel(level), bk), field)
      if v then
        if v == '' then
          v = redis.call('GETRANGE', P .. ':o' .. level .. ':' .. bk, 0, 4 * room - 1)
        elseif #v > 4 * room then
          v = string.sub(v, 1, 4 * room)
        end
        heads[#heads + 1] = struct.pack('<I4I4', k, #v / 4)
        found[#found + 1] = v
        room = room - #v / 4
        if room == 0 then break end
      end
    end
  else
    local parts, size = nil, 0
    for level = 0, top do
      local v = redis.call('HGET', shard_key(blevel(level), bk), field)
      if v then
        if v == '' then
          local long = P .. ':o' .. level .. ':' .. bk
          size = size + redis.call('STRLEN', long) / 4
          if size <= crowded then v = redis.call('GET', long) end
        else
          size = size + #v / 4
        end
        if size > crowded then break end
        parts = parts or {}
        parts[#parts + 1] = v
      end
    end
    if parts and size <= crowded then
      for _, v in ipairs(parts) do
        heads[#heads + 1] = struct.pack('<I4I4', k, #v / 4)
        found[#found + 1] = v
      end
    end
  end
end
return {table.concat(heads), table.concat(found)}
"""

_ADD = """
local xlevel, blevel, nb = levels('x', tonumber(ARGV[2])), levels('b', tonumber(ARGV[3])), tonumber(ARGV[4])
local digests, bands = ARGV[5], ARGV[6]
local top = top_level()
local ids, new = {}, {}
for i = 0, #digests / 16 - 1 do
  local d = string.sub(digests, 16 * i + 1, 16 * i + 16)
  local id = exact_get(xlevel, d, top)
  if id >= 0 then
    new[i + 1] = '\\0'
  else
    id = redis.call('INCR', P .. ':next') - 1
    if id >= 4294967295 then return redis.error_reply('the index is full (2^32 - 1 entries)') end
    local level = level_of(id)
    if level > top then top = level end
    redis.call('HSET', shard_key(xlevel(level), d), string.sub(d, 5), id)
    redis.call('HSET', P .. ':entry', id, ARGV[7 + i])
    local id4, bl = struct.pack('<I4', id), blevel(level)
    for b = 8 * i * nb, 8 * (i + 1) * nb - 1, 8 do
      local bk = string.sub(bands, b + 1, b + 8)
      local key, field = shard_key(bl, bk), string.sub(bk, 5)
      if redis.call('HSETNX', key, field, id4) == 0 then
        local v = redis.call('HGET', key, field)
        if v == '' then
          redis.call('APPEND', P .. ':o' .. level .. ':' .. bk, id4)
        elseif #v + 4 > VALUE_MAX then
          redis.call('SET', P .. ':o' .. level .. ':' .. bk, v .. id4)
          redis.call('HSET', key, field, '')
        else
          redis.call('HSET', key, field, v .. id4)
        end
      end
    end
    new[i + 1] = '\\1'
  end
  ids[i + 1] = struct.pack('<I4', id)
end
return {table.concat(ids), table.concat(new)}
"""

_ADD_DOCS = """
local doc, ids, locs = ARGV[2], ARGV[3], ARGV[4]

-- bytewise, as Python orders str (UTF-8 keeps code point order); Lua's < would use the locale
local function before(a, i, b, j)
  if a == b then return i < j end
  for k = 1, math.min(#a, #b) do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local num = redis.call('HGET', P .. ':docn', doc)
if not num then
  num = redis.call('INCR', P .. ':ndocs') - 1
  redis.call('HSET', P .. ':docn', doc, num)
end
num = tonumber(num)
local d4 = struct.pack('<I4', num)
for j = 0, #ids / 4 - 1 do
  local id = struct.unpack('<I4', ids, 4 * j + 1)
  local key, field = P .. ':d:' .. math.floor(id / 64), id % 64
  local v = redis.call('HGET', key, field)
  if not v then
    redis.call('HSET', key, field, d4)
  elseif v == '' then
    redis.call('SADD', P .. ':ds:' .. id, num)
  else
    local present = false
    for k = 1, #v, 4 do
      if string.sub(v, k, k + 3) == d4 then present = true break end
    end
    if not present then
      if #v + 4 > VALUE_MAX then
        local set = P .. ':ds:' .. id
        for k = 1, #v, 4 do redis.call('SADD', set, (struct.unpack('<I4', v, k))) end
        redis.call('SADD', set, num)
        redis.call('HSET', key, field, '')
      else
        redis.call('HSET', key, field, v .. d4)
      end
    end
  end
  local rec = redis.call('HGET', P .. ':entry', id)
  if not rec then return redis.error_reply('entry ' .. id .. ' has no record: a damaged index') end
  local old_len, old_index = struct.unpack('<I4i8', rec)
  local index = struct.unpack('<i8', locs, 24 * j + 1)
  if before(doc, index, string.sub(rec, 29, 28 + old_len), old_index) then
    local head = struct.pack('<I4', #doc) .. string.sub(locs, 24 * j + 1, 24 * j + 24)
    redis.call('HSET', P .. ':entry', id, head .. doc .. string.sub(rec, 29 + old_len))
  end
end
return 0
"""

_DOC_COUNTS = """
local sizes, ids = ARGV[2], ARGV[3]
local out, at = {}, 0
for g = 0, #sizes / 4 - 1 do
  local size = struct.unpack('<I4', sizes, 4 * g + 1)
  local seen, list, sets = {}, {}, {}
  for k = at, at + size - 1 do
    local id = struct.unpack('<I4', ids, 4 * k + 1)
    local v = redis.call('HGET', P .. ':d:' .. math.floor(id / 64), id % 64)
    if v == '' then
      sets[#sets + 1] = P .. ':ds:' .. id
    elseif v then
      for q = 1, #v, 4 do
        local d = struct.unpack('<I4', v, q)
        if not seen[d] then
          seen[d] = true
          list[#list + 1] = d
        end
      end
    end
  end
  local count = #list
  if #sets == 1 then
    -- a frequent entry and its rarer variants: count the big set without reading it
    count = count + redis.call('SCARD', sets[1])
    for b = 1, #list, 1000 do
      local flags = redis.call('SMISMEMBER', sets[1], unpack(list, b, math.min(#list, b + 999)))
      for _, member in ipairs(flags) do count = count - member end
    end
  else
    for _, set in ipairs(sets) do
      for _, m in ipairs(redis.call('SMEMBERS', set)) do
        local d = tonumber(m)
        if not seen[d] then
          seen[d] = true
          count = count + 1
        end
      end
    end
  end
  at = at + size
  out[g + 1] = struct.pack('<I4', count)
end
return table.concat(out)
"""

# What a key of this layout looks like after "{prefix}:"; anything else belongs to another prefix.
_OWN_KEY = re.compile(rb"(meta|next|entry|docn|ndocs|[xb]\d+:.{1,4}|o\d+:.{8}|d:\d+|ds:\d+)", re.DOTALL)
_KIND = re.compile(rb"([xbo]\d+|ds|d):")


def safe_url(url: str) -> str:
    """The URL without user, password or query string: fit for messages and logs.

    >>> safe_url("redis://user:secret@db.example:6380/2?password=x")
    'redis://db.example:6380/2'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return url.split("://", 1)[0] + "://(unparsable URL)"
    # An "@" in the path means a password cut short by a "/" written as is: its end would show.
    path = "/(unparsable path)" if "@" in parts.path else parts.path
    return f"{parts.scheme}://{host}{port}{path}"


# The query parameters a URL may carry (anything else is refused, not passed on to the client).
URL_PARAMETERS = ("db", "password", "timeout", "ssl_ca_certs", "ssl_cert_reqs")


def connection_options(url: str) -> dict[str, Any]:
    """The ``redis.Redis`` arguments that ``url`` names, or a CorpusIndexError saying what is wrong with it.

    ``redis://[user:password@]host[:port][/db]``, ``rediss://`` the same over TLS, or
    ``unix:///path/to/socket``; query parameters: ``db`` (the database number, instead of
    the path), ``password``, ``timeout`` (seconds, for connecting and for each reply;
    default 5), and for ``rediss://`` ``ssl_ca_certs`` (a PEM file of trusted certificates)
    and ``ssl_cert_reqs`` (``required``, the default, ``optional`` or ``none``).

    >>> connection_options("redis://db.example:6380/2?timeout=0.5")["socket_timeout"]
    0.5
    >>> connection_options("redis://db.example/x")
    Traceback (most recent call last):
    ...
    dedupe.errors.CorpusIndexError: redis://db.example/x: not a usable Redis URL: the database is '/x', not a number
    """
    where = safe_url(url)

    def bad(reason: str) -> CorpusIndexError:
        return CorpusIndexError(f"{where}: not a usable Redis URL: {reason}")

    # The parser's own messages are not repeated: they can quote a password that was cut short
    # by a "/", "?" or "#" written as is.
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise bad("the host cannot be parsed") from None
    try:
        port = parts.port
    except ValueError:
        raise bad("the port is not a number from 1 to 65535") from None
    if "@" in parts.path + parts.fragment + re.sub(r"(^|&)password=[^&]*", "", parts.query):
        raise bad("an '@' after the host: write '/', '?' and '#' in a password as %2F, %3F and %23")
    try:
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise bad("the query string is not name=value pairs joined by '&'") from None
    scheme = parts.scheme
    if scheme not in ("redis", "rediss", "unix"):
        raise bad(f"the scheme is {scheme!r}: redis://, rediss:// or unix://")
    if parts.fragment:
        raise bad("a fragment (#...) means nothing here")
    given: dict[str, str] = {}
    for name, value in query:
        if name not in URL_PARAMETERS:
            raise bad(f"unknown parameter {name!r} (known: {', '.join(URL_PARAMETERS)})")
        if name in given:
            raise bad(f"{name} is given twice")
        if not value:
            raise bad(f"{name} is empty")
        given[name] = value
    options: dict[str, Any] = {}
    if scheme == "unix":
        if host or port is not None or not parts.path:
            raise bad("unix:// takes the path of a socket: unix:///path/to/redis.sock")
        options["unix_socket_path"] = unquote(parts.path)
        path_db = ""
    else:
        if not host:
            raise bad("no host")
        if port == 0:
            raise bad("port 0")
        options.update(host=host, port=6379 if port is None else port)
        path_db = unquote(parts.path).removeprefix("/")
        if path_db and not _is_number(path_db):
            raise bad(f"the database is {parts.path!r}, not a number")
    if path_db and "db" in given:
        raise bad("the database is given twice (the path and db=)")
    db = given.get("db", path_db or "0")
    if not _is_number(db):
        raise bad(f"db={db!r} is not a number")
    options["db"] = int(db)
    if parts.password and "password" in given:
        raise bad("the password is given twice (before the host and password=)")
    options["username"] = unquote(parts.username) if parts.username else None
    options["password"] = given.get("password") or (unquote(parts.password) if parts.password else None)
    try:
        timeout = float(given.get("timeout", TIMEOUT))
    except ValueError:
        timeout = math.nan
    if not 0 < timeout < math.inf:
        raise bad(f"timeout={given['timeout']!r} is not a number of seconds above 0")
    options.update(socket_connect_timeout=timeout, socket_timeout=timeout)
    tls = [name for name in given if name.startswith("ssl_")]
    if tls and scheme != "rediss":
        raise bad(f"{tls[0]} is for rediss:// (TLS) URLs")
    if scheme == "rediss":
        reqs = given.get("ssl_cert_reqs", "required")
        if reqs not in ("required", "optional", "none"):
            raise bad(f"ssl_cert_reqs={reqs!r}: required, optional or none")
        # "none" checks nothing, not even the name in the certificate.
        options.update(ssl=True, ssl_cert_reqs=reqs, ssl_check_hostname=reqs != "none")
        if "ssl_ca_certs" in given:
            options["ssl_ca_certs"] = given["ssl_ca_certs"]
    return options


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


class RedisStore:
    """The :class:`~dedupe.store.Store` protocol on a Redis server (see the module docstring)."""

    def __init__(self, url: str, prefix: str = "dedupe") -> None:
        self.url = safe_url(url)
        self.prefix = prefix
        self.where = f"{self.url} prefix {prefix!r}"
        options = connection_options(url)
        try:
            import redis
            from redis.backoff import ExponentialWithJitterBackoff
            from redis.retry import Retry
        except ImportError:
            raise CorpusIndexError("a Redis index needs the redis client: pip install 'news-dedupe[redis]'") from None
        self._errors = redis.exceptions
        self._secrets = _secrets(url)
        self._prefix = prefix.encode("utf-8", "surrogatepass")
        self.num_perm = 0
        self._xbits = _base_bits(1)
        self._bbits = 0
        self._meta: bytes | None = None  # as read by check(); every call checks the server still holds it
        # A few quick retries ride out a failover or a dropped connection; a server that is
        # gone must be reported within a second, not after the client's default ten retries.
        # A timeout is not retried: it has already waited as long as the user allows.
        retry = Retry(ExponentialWithJitterBackoff(base=0.02, cap=0.25), 3, (redis.exceptions.ConnectionError,))
        self._client: redis.Redis = redis.Redis(retry=retry, **options)
        try:
            with self._guard(connecting=True):
                self._client.ping()
        except CorpusIndexError:
            self._client.close()
            raise
        prelude = _PRELUDE.replace("@FIRST@", str(FIRST)).replace("@STEP@", str(STEP)).replace("@LOST@", _LOST)
        script = self._client.register_script
        self._find_exact = script(prelude + _FIND_EXACT)
        self._find_near = script(prelude + _FIND_NEAR)
        self._add = script(prelude + _ADD)
        self._add_docs = script(prelude + _ADD_DOCS)
        self._doc_counts = script(prelude + _DOC_COUNTS)

    # -- errors ------------------------------------------------------------------------------

    def _clean(self, err: BaseException) -> str:
        text = " ".join(str(err).split()) or type(err).__name__
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def _guard(self, connecting: bool = False) -> Iterator[None]:
        """Turn any Redis error into one CorpusIndexError that names the server and the reason."""
        e = self._errors
        try:
            yield
        except e.RedisError as err:
            if isinstance(err, e.ResponseError) and _LOST in str(err):
                raise self._lost("created again" in str(err)) from None
            if connecting:
                what = "cannot connect"
            elif isinstance(err, e.BusyLoadingError):
                what = "the server is loading its data"
            elif isinstance(err, e.AuthenticationError | e.AuthorizationError):
                what = "access refused"
            elif isinstance(err, e.ConnectionError | e.TimeoutError):
                what = "connection lost"
            elif isinstance(err, e.ResponseError):
                what = "the server refused a command"
            else:
                what = "Redis error"
            raise CorpusIndexError(f"{self.url}: {what} ({self._clean(err)})") from err

    def _lost(self, again: bool) -> CorpusIndexError:
        how = "was deleted and created again" if again else "is gone"
        return CorpusIndexError(
            f"{self.where}: the index {how} since this run joined it"
            " (the server restarted without its data, or was flushed): what it had recorded is lost"
        )

    def _same_index(self, meta: bytes | None) -> None:
        """Raise unless ``meta`` (read by a command; scripts check it themselves) is the one this worker joined."""
        if meta != self._meta:
            raise self._lost(meta is not None)

    def _key(self, name: str) -> bytes:
        return self._prefix + b":" + name.encode("ascii")

    def _run(self, script: Script, calls: list[list[bytes | int]]) -> list[Any]:
        """Run ``script`` once per argument list: directly, or several in one pipelined round trip."""
        self._need_params()
        assert self._meta is not None
        with self._guard():
            if len(calls) == 1:
                return [script(args=[self._prefix, *calls[0], self._meta])]
            pipe = self._client.pipeline(transaction=False)
            for args in calls:
                script(args=[self._prefix, *args, self._meta], client=pipe)
            return list(pipe.execute())

    def _need_params(self) -> None:
        if not self.num_perm:
            raise CorpusIndexError(f"{self.where}: check(params) must come first")

    # -- the Store protocol ---------------------------------------------------------------------

    def check(self, params: dict[str, Any]) -> None:
        # The token tells this index from one created again under the same prefix after a loss.
        wanted = {"layout": LAYOUT, "params": params, "token": secrets.token_hex(16)}
        with self._guard():
            pipe = self._client.pipeline(transaction=True)
            pipe.set(self._key("meta"), json.dumps(wanted, sort_keys=True), nx=True)
            pipe.get(self._key("meta"))
            raw = pipe.execute()[1]
        try:
            stored = json.loads(raw or b"")
            layout, stored_params = stored["layout"], stored["params"]
        except (TypeError, ValueError, KeyError) as err:
            raise CorpusIndexError(f"{self.where}: {self.prefix}:meta is not a dedupe index header ({err})") from None
        if layout != LAYOUT:
            raise CorpusIndexError(f"{self.where}: index layout {layout!r}; this dedupe reads layout {LAYOUT}")
        _compare(stored_params, params, self.where)
        self._meta = raw
        self.num_perm = int(params["num_perm"])
        self._bbits = _base_bits(int(params["bands"]))

    def find_exact(self, scope: str, keys: Sequence[str]) -> Ids:
        if not keys:
            return np.empty(0, dtype=np.int64)
        digests = _digests(scope, keys)
        calls: list[list[bytes | int]] = [
            [self._xbits, digests[16 * s : 16 * (s + CHUNK)]] for s in range(0, len(keys), CHUNK)
        ]
        found = b"".join(self._run(self._find_exact, calls))
        return np.frombuffer(found, dtype="<i8").astype(np.int64)

    def find_near(self, bands: BandKeys, crowded: Crowded = "first") -> tuple[Ids, Ids]:
        self._need_params()
        n, width = bands.shape
        if n == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        blob = np.ascontiguousarray(bands, dtype=">u8").tobytes()
        step = 8 * width * CHUNK
        first, skip = (FIRST_OF_BUCKET, 0) if crowded == "first" else (0, CROWDED_BUCKET)
        calls: list[list[bytes | int]] = [
            [self._bbits, blob[s : s + step], first, skip] for s in range(0, len(blob), step)
        ]
        rows: list[Ids] = []
        ids: list[Ids] = []
        for c, (heads, found) in enumerate(self._run(self._find_near, calls)):
            pairs = np.frombuffer(heads, dtype="<u4").reshape(-1, 2).astype(np.int64)
            rows.append(np.repeat(pairs[:, 0] // width + c * CHUNK, pairs[:, 1]))
            ids.append(np.frombuffer(found, dtype="<u4").astype(np.int64))
        row, entry = np.concatenate(rows), np.concatenate(ids)
        if len(row) == 0:
            return row, entry
        span = int(entry.max()) + 1
        packed = np.unique(row * span + entry)  # a row meets an entry in several bands: once is enough
        return packed // span, packed % span

    def fetch(self, ids: Ids) -> Records:
        self._need_params()
        if len(ids) == 0:
            return Records([], np.empty((0, self.num_perm), dtype=np.uint32), [])
        with self._guard():
            pipe = self._client.pipeline(transaction=True)
            pipe.get(self._key("meta"))
            pipe.hmget(self._key("entry"), ids.tolist())
            meta, raw = pipe.execute()
        self._same_index(meta)
        keys: list[str] = []
        signatures: list[bytes] = []
        locations: list[Location] = []
        size = 4 * self.num_perm
        for i, record in zip(ids.tolist(), raw, strict=True):
            if not isinstance(record, bytes) or len(record) < _HEAD.size:
                raise CorpusIndexError(f"{self.where}: entry {i} has no record: a damaged index")
            length, index, start, end = _HEAD.unpack_from(record)
            body = _HEAD.size + length
            if len(record) < body + size:
                raise CorpusIndexError(f"{self.where}: entry {i} has a truncated record: a damaged index")
            try:
                doc = record[_HEAD.size : body].decode("utf-8", "surrogatepass")
                keys.append(record[body + size :].decode("utf-8", "surrogatepass"))
            except UnicodeDecodeError as err:
                raise CorpusIndexError(f"{self.where}: entry {i} has a damaged record ({err})") from None
            signatures.append(record[body : body + size])
            locations.append(Location(doc, index, (start, end)))
        sig = np.frombuffer(b"".join(signatures), dtype="<u4").reshape(len(ids), self.num_perm)
        return Records(keys, sig.astype(np.uint32), locations)

    def add(
        self, scope: str, keys: Sequence[str], signatures: Signatures, bands: BandKeys, locations: Sequence[Location]
    ) -> tuple[Ids, npt.NDArray[np.bool_]]:
        self._need_params()
        n = len(keys)
        if n == 0:
            return np.empty(0, dtype=np.int64), np.zeros(0, dtype=bool)
        if signatures.shape != (n, self.num_perm) or len(bands) != n or len(locations) != n:
            raise ValueError("add(): keys, signatures, bands and locations must have one row per entry")
        digests = _digests(scope, keys)
        width = bands.shape[1]
        blob = np.ascontiguousarray(bands, dtype=">u8").tobytes()
        sig = np.ascontiguousarray(signatures, dtype="<u4").tobytes()
        size = 4 * self.num_perm
        records = [
            _record(key, sig[r * size : (r + 1) * size], loc)
            for r, (key, loc) in enumerate(zip(keys, locations, strict=True))
        ]
        calls: list[list[bytes | int]] = [
            [
                self._xbits,
                self._bbits,
                width,
                digests[16 * s : 16 * (s + CHUNK)],
                blob[8 * width * s : 8 * width * (s + CHUNK)],
                *records[s : s + CHUNK],
            ]
            for s in range(0, n, CHUNK)
        ]
        replies = self._run(self._add, calls)
        ids = np.frombuffer(b"".join(r[0] for r in replies), dtype="<u4").astype(np.int64)
        new = np.frombuffer(b"".join(r[1] for r in replies), dtype=np.uint8).astype(bool)
        return ids, new

    def add_docs(self, ids: Ids, doc: str, locations: Sequence[Location]) -> None:
        if len(ids) == 0:
            return
        name = doc.encode("utf-8", "surrogatepass")
        packed = np.asarray(ids, dtype="<u4").tobytes()
        heads = b"".join(struct.pack("<qqq", loc.index, loc.span[0], loc.span[1]) for loc in locations)
        calls: list[list[bytes | int]] = [
            [name, packed[4 * s : 4 * (s + CHUNK)], heads[24 * s : 24 * (s + CHUNK)]] for s in range(0, len(ids), CHUNK)
        ]
        self._run(self._add_docs, calls)

    def doc_counts(self, groups: Sequence[Ids]) -> list[int]:
        if not groups:
            return []
        calls: list[list[bytes | int]] = []
        for s in range(0, len(groups), CHUNK):
            part = groups[s : s + CHUNK]
            sizes = np.asarray([len(g) for g in part], dtype="<u4").tobytes()
            members = np.concatenate([np.asarray(g, dtype="<u4") for g in part]).astype("<u4").tobytes()
            calls.append([sizes, members])
        counts = b"".join(self._run(self._doc_counts, calls))
        return [int(c) for c in np.frombuffer(counts, dtype="<u4")]

    def stats(self) -> tuple[int, int]:
        """Return ``(entries, bytes)``: entries from the counter, bytes from ``MEMORY USAGE``.

        The keys of this prefix are found with ``SCAN`` (a pass over the whole keyspace,
        cheap next to the rest). Up to 20,000 keys, each is measured; above, an evenly
        spread sample of each kind of key (shards of one level, overflow keys, ...) is
        measured and scaled to the number of keys of that kind, so the figure is an
        estimate for large indexes. Large hashes are measured from 1,000 sampled fields.
        """
        pattern = re.sub(rb"([*?\[\]\\])", rb"\\\1", self._prefix) + b":*"
        start = len(self._prefix) + 1
        kinds: dict[bytes, list[bytes]] = {}
        with self._guard():
            pipe = self._client.pipeline(transaction=True)
            pipe.get(self._key("meta"))
            pipe.get(self._key("next"))
            meta, counter = pipe.execute()
            self._same_index(meta)
            entries = int(counter or 0)
            for key in self._client.scan_iter(match=pattern, count=5000):
                rest = key[start:]
                if _OWN_KEY.fullmatch(rest):
                    kind = _KIND.match(rest)
                    kinds.setdefault(kind.group(1) if kind else rest, []).append(key)
            total = sum(len(keys) for keys in kinds.values())
            size = 0
            for keys in kinds.values():
                every = max(1, -(-total // SAMPLE))
                sample = keys[::every]
                pipe = self._client.pipeline(transaction=False)
                for key in sample:
                    pipe.memory_usage(key, samples=1000)
                measured = sum(int(m or 0) for m in pipe.execute())
                size += round(measured * len(keys) / len(sample))
        return entries, size

    def close(self) -> None:
        with self._guard():
            self._client.close()
            self._client.connection_pool.disconnect()


def _secrets(url: str) -> list[str]:
    """Passwords in ``url`` (user part or query string), to be masked in messages."""
    try:
        parts = urlsplit(url)
        found = [parts.password or "", *parse_qs(parts.query).get("password", [])]
    except ValueError:
        return []
    return [unquote(p) for p in found if p] + [p for p in found if p]


def _base_bits(fields_per_entry: int) -> int:
    """Shard bits of level 0: enough shards that FIRST entries fill them to about FILL fields each."""
    bits = 0
    while (FILL << bits) < FIRST * fields_per_entry:
        bits += 1
    return bits


def _digests(scope: str, keys: Sequence[str]) -> bytes:
    """16-byte blake2b digests of (scope, key): one exact index serves every scope."""
    name = scope.encode("utf-8", "surrogatepass")
    seed = hashlib.blake2b(len(name).to_bytes(8, "little") + name, digest_size=16, person=_DIGEST_PERSON)
    out = []
    for key in keys:
        h = seed.copy()
        h.update(key.encode("utf-8", "surrogatepass"))
        out.append(h.digest())
    return b"".join(out)


def _record(key: str, signature: bytes, loc: Location) -> bytes:
    doc = loc.doc.encode("utf-8", "surrogatepass")
    head = _HEAD.pack(len(doc), loc.index, loc.span[0], loc.span[1])
    return head + doc + signature + key.encode("utf-8", "surrogatepass")
