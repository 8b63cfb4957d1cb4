-- dav.lua: wrk script for scripts/bench-carddav.
--
-- One request shape per run, given as arguments after `--` on the wrk command line:
--   method=REPORT          HTTP method (default GET)
--   body=FILE              request body read from FILE (default: none)
--   alt=FILE               a second body: requests alternate body / alt, so a PUT
--                          really changes the card every time
--   header=Name:value      a request header (repeatable)
-- The path comes from the URL given to wrk. Requests are built once per thread in
-- init() because wrk calls request() for every request and formatting there would
-- measure Lua, not the server.
--
-- done() prints one machine-readable line that bench-carddav parses (latencies in
-- microseconds), besides wrk's own text summary:
--   BENCH requests=N duration_us=N bytes=N mean_us=N p50_us=N p99_us=N status=N
--         connect=N read=N write=N timeout=N

local reqs = {}
local n = 0

local function slurp(path)
   local f = assert(io.open(path, "rb"))
   local data = f:read("*a")
   f:close()
   return data
end

function init(args)
   local method, headers, bodies = "GET", {}, {}
   for _, arg in ipairs(args) do
      local key, value = arg:match("^(%w+)=(.*)$")
      if key == "method" then
         method = value
      elseif key == "body" then
         bodies[1] = slurp(value)
      elseif key == "alt" then
         bodies[2] = slurp(value)
      elseif key == "header" then
         local name, v = value:match("^([^:]+):%s*(.*)$")
         headers[name] = v
      else
         error("dav.lua: unknown argument " .. arg)
      end
   end
   if #bodies == 0 then
      reqs[1] = wrk.format(method, wrk.path, headers, nil)
   else
      for i, body in ipairs(bodies) do
         reqs[i] = wrk.format(method, wrk.path, headers, body)
      end
   end
end

function request()
   n = n + 1
   return reqs[(n - 1) % #reqs + 1]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d mean_us=%d p50_us=%d p99_us=%d " ..
      "status=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes, latency.mean,
      latency:percentile(50), latency:percentile(99),
      e.status, e.connect, e.read, e.write, e.timeout))
end
