-- The profile endpoint (htmx) under load, with every write a real change that must succeed.
--
-- WRK_SLOTS is a TSV file, one (assessment, profile question) per line:
--   path<TAB>cookie<TAB>csrftoken<TAB>stored version<TAB>question key<TAB>
--   multiple (0 or 1)<TAB>option keys (comma-separated)<TAB>stored choices (comma-separated)
-- WRK_THREADS is wrk's -t. As in autosave.lua, thread t owns the lines i with
-- (i-1) % threads == t and never has two requests in flight for the same line,
-- so the version sent is always the stored one and no save can conflict. Each
-- request posts, as the profile page does with htmx, `<KEY>-choice` (once per
-- option chosen) and `<KEY>-version`, choosing options that differ from the
-- stored ones: one option in turn for a single-choice question; one or two in
-- turn for a multiple-choice one. The response (a fragment) names the assessment
-- in the steps' links and carries `<input ... name="<KEY>-version" value="N">`,
-- which is how it is matched to its line (wrk does not say which connection
-- answered) and how the new version is learnt.
--
-- done() lists every line's last acknowledged state (version and choices) and
-- the write still in flight, if any, so bench/load.py can check the database:
-- no lost writes.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

slots = {}          -- line number -> state
state = {}          -- line number -> "version<TAB>acked<TAB>acked choices<TAB>pending choices"
                    -- (flat, for thread:get in done(): wrk crashes copying nested tables)
changed_writes = 0  -- 200 responses whose version is the one sent + 1
unmatched = 0       -- responses that named no line of this thread
starved = 0         -- requests sent while no line was free (each gets a 405)
any_path = "/"
local by_target = {}  -- "<assessment id> <question key>" -> line number
local queue, head, tail = {}, 1, 0

local function push(i) tail = tail + 1; queue[tail] = i end
local function publish(i)
  local s = slots[i]
  state[i] = string.format("%d\t%d\t%s\t%s", s.version, s.acked, s.acked_choices, s.pending)
end
local function pop()
  if head > tail then return nil end
  local i = queue[head]; queue[head] = nil; head = head + 1
  return i
end

-- The n-th candidate choice of line i, as a list of option keys in the question's order.
local function candidate(s, i, n)
  local k = #s.options
  local first = (i + n) % k + 1
  if s.multiple and k > 1 and n % 2 == 0 then
    local second = first % k + 1
    if second < first then first, second = second, first end
    return {s.options[first], s.options[second]}
  end
  return {s.options[first]}
end

function init(args)
  local threads = tonumber(os.getenv("WRK_THREADS") or "1")
  for i, row in ipairs(common.read_tsv(os.getenv("WRK_SLOTS"))) do
    if (i - 1) % threads == (tid or 0) then
      local options = {}
      for key in row[7]:gmatch("[^,]+") do options[#options + 1] = key end
      slots[i] = {
        path = row[1], cookie = row[2], csrf = row[3], version = tonumber(row[4]),
        key = row[5], multiple = row[6] == "1", options = options,
        current = row[8] or "", n = 0, acked = 0, acked_choices = "", pending = "",
      }
      local assessment = row[1]:match("^/a/([^/]+)/")
      by_target[assessment .. " " .. row[5]] = i
      publish(i)
      push(i)
      any_path = row[1]
    end
  end
end

function request()
  local i = pop()
  if not i then
    -- Every line is stuck after failed requests: send a GET the endpoint refuses
    -- (405), so the run goes on and reports errors instead of stopping.
    starved = starved + 1
    return wrk.format("GET", any_path)
  end
  local s = slots[i]
  local chosen
  repeat -- a real change: never the choices already stored
    s.n = s.n + 1
    chosen = candidate(s, i, s.n)
  until table.concat(chosen, ",") ~= s.current
  s.pending = table.concat(chosen, ",")
  publish(i)
  local fields = {}
  for _, key in ipairs(chosen) do
    fields[#fields + 1] = string.format("%s-choice=%s", s.key, key)
  end
  fields[#fields + 1] = string.format("%s-version=%d", s.key, s.version)
  return wrk.format("POST", s.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = s.cookie,
    ["X-CSRFToken"] = s.csrf,
    ["HX-Request"] = "true",
  }, table.concat(fields, "&"))
end

function response(status, headers, body)
  common.count(status)
  local key, version = body:match('name="([%w%-]+)%-version" value="(%d+)"')
  local assessment = body:match('href="/a/([%x%-]+)/profile/"')
  local i = key and assessment and by_target[assessment .. " " .. key]
  local s = i and slots[i]
  version = tonumber(version or "")
  if not s or not version or s.pending == "" then
    unmatched = unmatched + 1 -- counted as a failure by load.py
    return
  end
  if status == 200 then
    if version == s.version + 1 then changed_writes = changed_writes + 1 end
    s.version = version
    s.acked = s.acked + 1
    s.acked_choices = s.pending
    s.current = s.pending
    s.pending = ""
    publish(i)
    push(i)
  elseif status == 409 then
    -- Not applied: carry on from the stored version (should never happen by design).
    -- The stored choices are not in the response: the next candidate may repeat them,
    -- which the server acknowledges without a new version (not counted as changed).
    s.version = version
    s.current = ""
    s.pending = ""
    publish(i)
    push(i)
  end
  -- Any other status: the line stays out of the queue with its write "in flight".
end

function done(summary, latency, requests)
  common.done(summary, latency, function(out)
    local changed, unmatched_all, starved_all = 0, 0, 0
    for _, thread in ipairs(threads) do
      changed = changed + (thread:get("changed_writes") or 0)
      unmatched_all = unmatched_all + (thread:get("unmatched") or 0)
      starved_all = starved_all + (thread:get("starved") or 0)
      for i, line in pairs(thread:get("state") or {}) do
        out:write(string.format("slot\t%d\t%s\n", i, line))
      end
    end
    out:write(string.format("changed_writes=%d\nunmatched=%d\nstarved=%d\n",
      changed, unmatched_all, starved_all))
  end)
end
