-- wrk script for `make loadtest`: rotates over the sample's requests and checks each status.
--
-- Run as `wrk ... -s loadtest/requests.lua URL -- valid` (or `mixed`). Every request
-- carries `X-Request-ID: load-<expected status>-<n>`, which the sample's
-- RequestIDMiddleware echoes, so each response says which status it should have had:
-- wrk's callbacks do not say which request a response answers. `done` prints one
-- line, `LOADTEST {json}`, for loadtest/__main__.py.

local json_type = { ["Content-Type"] = "application/json" }
local preflight = {
  ["Origin"] = "http://localhost:3000",
  ["Access-Control-Request-Method"] = "POST",
  ["Access-Control-Request-Headers"] = "content-type",
}

-- No POST /items: each would grow the sample's in-memory store, which would read as a
-- leak. PUT and PATCH go through the same body validation without adding items. No
-- HEAD: wrk's parser is not told a request was HEAD, so it waits for the body that the
-- answer's Content-Length announces and never comes.
local valid = {
  { "GET", "/", nil, nil, 200 },
  { "GET", "/health", nil, nil, 200 },
  { "GET", "/items?limit=5&offset=0&tag=load", nil, nil, 200 },
  { "GET", "/items/1", nil, nil, 200 },
  { "PUT", "/items/1", json_type, '{"name": "lamp", "price": 12.5, "tags": ["load"]}', 200 },
  { "PATCH", "/items/1", json_type, '{"price": 13}', 200 },
  { "OPTIONS", "/items", preflight, nil, 204 },
}

local many_fields = {}
for i = 1, 1001 do many_fields[i] = "f" .. i .. "=1" end

local bad = {
  { "GET", "/nowhere", nil, nil, 404 },
  { "GET", "/items/abc", nil, nil, 404 },
  { "GET", "/" .. string.rep("a", 4000), nil, nil, 404 },
  { "DELETE", "/items", nil, nil, 405 },
  { "POST", "/items", json_type, '{"name": "x", "price": ', 400 },
  { "POST", "/items", json_type, string.rep("[", 1100) .. string.rep("]", 1100), 400 },
  { "POST", "/items", json_type, '{"name": "x", "price": NaN}', 400 },
  { "POST", "/items", json_type, "", 400 },
  { "POST", "/items", json_type, '{"name": "", "price": -1, "tags": [1]}', 422 },
  { "PUT", "/items/1", json_type, '{"name": "x", "price": "1"}', 422 },
  { "POST", "/items", { ["Content-Type"] = "text/plain" }, '{"name": "x", "price": 1}', 415 },
  { "POST", "/items", { ["Content-Type"] = "application/json; charset=latin-1" }, '{"name": "x", "price": 1}', 415 },
  { "GET", "/items?limit=abc&offset=-1", nil, nil, 422 },
  { "GET", "/items?tag=%FF", nil, nil, 400 },
  { "GET", "/items?" .. table.concat(many_fields, "&"), nil, nil, 400 },
}
-- Not here: a path that is not UTF-8 once decoded (400). Dispatch answers it before
-- the app's middleware runs, so it carries no X-Request-ID to check it by.

local prepared = {}
local index = 0
unexpected = 0
statuses = {}
mismatches = {}

function init(args)
  local mode = args[1] or "valid"
  local chosen = {}
  if mode == "valid" then
    chosen = valid
  elseif mode == "mixed" then
    -- Valid and bad requests alternate.
    for i = 1, math.max(#valid, #bad) do
      table.insert(chosen, valid[(i - 1) % #valid + 1])
      table.insert(chosen, bad[(i - 1) % #bad + 1])
    end
  else
    error("mode must be 'valid' or 'mixed', not " .. mode)
  end
  for i, spec in ipairs(chosen) do
    local headers = { ["X-Request-ID"] = "load-" .. spec[5] .. "-" .. i }
    for name, value in pairs(spec[3] or {}) do headers[name] = value end
    prepared[i] = wrk.format(spec[1], spec[2], headers, spec[4])
  end
end

function request()
  index = index % #prepared + 1
  return prepared[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local id = headers["x-request-id"] or ""
  local expected = tonumber(id:match("^load%-(%d+)%-"))
  if expected ~= status then
    unexpected = unexpected + 1
    local key = (expected or "none") .. "->" .. status
    mismatches[key] = (mismatches[key] or 0) + 1
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function counts_text(counts)
  local parts = {}
  for key, count in pairs(counts) do table.insert(parts, '"' .. key .. '": ' .. count) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function merge(into, counts)
  for key, count in pairs(counts) do
    into[tostring(key)] = (into[tostring(key)] or 0) + count
  end
end

function done(summary, latency, requests)
  local total_unexpected, all_statuses, all_mismatches = 0, {}, {}
  for _, thread in ipairs(threads) do
    total_unexpected = total_unexpected + thread:get("unexpected")
    merge(all_statuses, thread:get("statuses"))
    merge(all_mismatches, thread:get("mismatches"))
  end
  local e = summary.errors
  io.write(string.format(
    'LOADTEST {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d}, ' ..
    '"unexpected": %d, "statuses": %s, "mismatches": %s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    total_unexpected, counts_text(all_statuses), counts_text(all_mismatches)))
end
