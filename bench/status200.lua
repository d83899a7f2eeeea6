-- wrk script for bench/forms.sh: counts the responses whose status is 200
-- and those whose status is anything else (a 302 to the logon page counts
-- as "other": wrk's own "Non-2xx or 3xx" line would not see it), and prints
--   STATUS ok=<n> other=<n> first_other=<status>
-- at the end.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   ok = 0
   other = 0
   first_other = 0
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   else
      if other == 0 then first_other = status end
      other = other + 1
   end
end

function done(summary, latency, requests)
   local o, x, f = 0, 0, 0
   for _, t in ipairs(threads) do
      o = o + t:get("ok")
      x = x + t:get("other")
      if f == 0 then f = t:get("first_other") end
   end
   io.write(string.format("STATUS ok=%d other=%d first_other=%d\n", o, x, f))
end
