-- The autosave endpoint under load, with every write a real change that must succeed.
--
-- WRK_SLOTS is a TSV file, one (assessment, item) per line:
--   path<TAB>cookie<TAB>csrftoken<TAB>stored version<TAB>option keys (comma-separated)
-- WRK_THREADS is wrk's -t. Thread t owns the lines i with (i-1) % threads == t,
-- and never has two requests in flight for the same line: a line is taken from
-- the thread's queue of free lines when a request is built and goes back when
-- its response arrives. So the version sent is always the stored one and no
-- save can conflict. Each request writes a new comment ("wrk slot I write N")
-- and the next option in turn; the response carries that comment and the new
-- version, which is how a response is matched to its line (wrk does not say
-- which connection answered).
--
-- done() lists every line's last acknowledged state and the write still in
-- flight, if any, so bench/load.py can check the database: no lost writes.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

slots = {}          -- line number -> state
state = {}          -- line number -> "version<TAB>acked<TAB>acked comment<TAB>pending comment"
                    -- (flat, for thread:get in done(): wrk crashes copying nested tables)
changed_writes = 0  -- 200 responses with "changed": true
unmatched = 0       -- responses that named no line of this thread
starved = 0         -- requests sent while no line was free (each gets a 405)
any_path = "/"
local queue, head, tail = {}, 1, 0

local function push(i) tail = tail + 1; queue[tail] = i end
local function publish(i)
  local s = slots[i]
  state[i] = string.format("%d\t%d\t%s\t%s", s.version, s.acked, s.acked_comment, s.pending)
end
local function pop()
  if head > tail then return nil end
  local i = queue[head]; queue[head] = nil; head = head + 1
  return i
end

function init(args)
  local threads = tonumber(os.getenv("WRK_THREADS") or "1")
  for i, row in ipairs(common.read_tsv(os.getenv("WRK_SLOTS"))) do
    if (i - 1) % threads == (tid or 0) then
      local options = {}
      for key in row[5]:gmatch("[^,]+") do options[#options + 1] = key end
      slots[i] = {
        path = row[1], cookie = row[2], csrf = row[3], version = tonumber(row[4]),
        options = options, n = 0, acked = 0, acked_comment = "", pending = "",
      }
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
  s.n = s.n + 1
  local comment = string.format("wrk slot %d write %d", i, s.n)
  local option = s.options[(i + s.n) % #s.options + 1]
  s.pending = comment
  publish(i)
  local body = string.format('{"option": "%s", "comment": "%s", "version": %d}',
    option, comment, s.version)
  return wrk.format("POST", s.path, {
    ["Content-Type"] = "application/json",
    ["Cookie"] = s.cookie,
    ["X-CSRFToken"] = s.csrf,
  }, body)
end

function response(status, headers, body)
  common.count(status)
  -- The first comment in the body is the stored one ("answer", or "theirs" on a conflict).
  local comment = body:match('"comment": "(wrk slot %d+ write %d+)"')
  local i = tonumber(comment and comment:match("^wrk slot (%d+)") or "")
  local version = tonumber(body:match('"version": (%d+)') or "")
  local s = i and slots[i]
  if not s or not version or (status == 200 and comment ~= s.pending) then
    unmatched = unmatched + 1 -- counted as a failure by load.py
    return
  end
  if status == 200 then
    s.version = version
    s.acked = s.acked + 1
    s.acked_comment = s.pending
    if body:find('"changed": true', 1, true) then changed_writes = changed_writes + 1 end
    s.pending = ""
    publish(i)
    push(i)
  elseif status == 409 and s.pending ~= "" then
    -- Not applied: carry on from the stored version (should never happen by design).
    s.version = version
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
