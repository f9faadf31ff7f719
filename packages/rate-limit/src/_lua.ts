/**
 * The Redis side of the store: one Lua script that runs every rule of a key atomically, the same arithmetic
 * as `_algorithms.ts` and `_decide.ts` operation for operation (so both stores decide identically for the same
 * times). Time is the server's `TIME` (ms since 2023-11-14, to keep float precision), or ARGV[1] when given
 * (tests drive time through it; expiries then get 60 s of slack so virtual time never races real expiry).
 *
 * KEYS: one per rule. ARGV: now ('' = server time), cost, then per rule: code, limit, periodMs, burst.
 * Returns { allowed (0/1), remaining, resetMs and retryAfterMs in whole µs (rounded up), rule index (1-based) }.
 */
export const RATE_LIMIT_SCRIPT = `
local EPS_MS = 1e-3
local EPS_N = 1e-6
local now
local slack = 0
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = (tonumber(t[1]) - 1700000000) * 1000 + tonumber(t[2]) / 1000
else
  now = tonumber(ARGV[1])
  slack = 60000
end
local cost = tonumber(ARGV[2])
local n = #KEYS
local function f(x) return string.format('%.17g', x) end
local function q(x) return math.ceil(x * 1000) end
local function px(ms) return math.ceil(ms) + 1 + slack end
local A, R, S, Y = {}, {}, {}, {}
local rules = {}
local allowed = true
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local code, lim, p, burst = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
  local k = KEYS[i]
  local st = { code = code, lim = lim, p = p, burst = burst }
  local ok
  if code == 1 then
    local t = p / lim
    local dvt = burst * t
    local tat = tonumber(redis.call('GET', k) or '0')
    if tat < now then tat = now end
    local newTat = tat + cost * t
    st.newTat = newTat
    if newTat - now <= dvt + EPS_MS then
      ok = true
      R[i] = math.max(0, math.floor((dvt - (newTat - now) + EPS_MS) / t)); S[i] = q(newTat - now); Y[i] = 0
    else
      ok = false
      R[i] = math.max(0, math.floor((dvt - (tat - now) + EPS_MS) / t)); S[i] = q(tat - now); Y[i] = q(newTat - dvt - now)
    end
  elseif code == 2 then
    local rate = lim / p
    local tol = EPS_MS * rate
    local h = redis.call('HMGET', k, 'd', 'l')
    local d = tonumber(h[1] or '0')
    local last = tonumber(h[2] or '0')
    local elapsed = now - last
    if elapsed > 0 then d = math.max(0, d - elapsed * rate) end
    local newD = d + cost
    st.newD = newD; st.elapsed = elapsed; st.rate = rate
    if newD <= burst + tol then
      ok = true
      R[i] = math.max(0, math.floor(burst - newD + tol)); S[i] = q(newD / rate); Y[i] = 0
    else
      ok = false
      R[i] = math.max(0, math.floor(burst - d + tol)); S[i] = q(d / rate); Y[i] = q((newD - burst) / rate)
    end
  elseif code == 3 then
    local count = redis.call('LLEN', k)
    local cutoff = now - p
    local i2 = 0
    while i2 < count and tonumber(redis.call('LINDEX', k, i2)) <= cutoff do i2 = i2 + 1 end
    local live = count - i2
    local newest = 0
    if count > 0 then newest = tonumber(redis.call('LINDEX', k, -1)) end
    st.drop = i2
    if live + cost <= lim then
      ok = true
      R[i] = lim - live - cost
      if cost > 0 then S[i] = q(p) elseif live > 0 then S[i] = q(newest + p - now) else S[i] = 0 end
      Y[i] = 0
    else
      ok = false
      R[i] = lim - live
      if live > 0 then S[i] = q(newest + p - now) else S[i] = 0 end
      local kk = live + cost - lim
      Y[i] = q(tonumber(redis.call('LINDEX', k, i2 + kk - 1)) + p - now)
    end
  else
    local w = math.floor(now / p)
    local e = now - w * p
    local h = redis.call('HMGET', k, 'w', 'c', 'p')
    local sw = tonumber(h[1] or '0')
    local curr = tonumber(h[2] or '0')
    local prev = tonumber(h[3] or '0')
    if sw ~= w then
      if sw == w - 1 then prev = curr else prev = 0 end
      curr = 0
    end
    local est = (prev * (p - e)) / p + curr
    st.w = w; st.curr = curr; st.prev = prev; st.e = e
    if est + cost <= lim + EPS_N then
      ok = true
      R[i] = math.max(0, math.floor(lim - est - cost + EPS_N))
      if curr + cost > 0 then S[i] = q(2 * p - e) elseif prev > 0 then S[i] = q(p - e) else S[i] = 0 end
      Y[i] = 0
    else
      ok = false
      R[i] = math.max(0, math.floor(lim - est + EPS_N))
      if curr > 0 then S[i] = q(2 * p - e) elseif prev > 0 then S[i] = q(p - e) else S[i] = 0 end
      if curr + cost <= lim then Y[i] = q(math.max(0, p * (1 - (lim - curr - cost) / prev) - e))
      else Y[i] = q(p - e + p * (1 - (lim - cost) / curr)) end
    end
  end
  A[i] = ok
  rules[i] = st
  if not ok then allowed = false end
end
local pick = 0
local remaining = math.huge
for i = 1, n do
  if R[i] < remaining then remaining = R[i] end
  if allowed then
    local st = rules[i]
    local k = KEYS[i]
    if st.code == 1 then
      redis.call('SET', k, f(st.newTat), 'PX', px(st.newTat - now))
    elseif st.code == 2 then
      local last = tonumber(redis.call('HGET', k, 'l') or '0')
      if st.elapsed > 0 then last = now end
      redis.call('HSET', k, 'd', f(st.newD), 'l', f(last))
      redis.call('PEXPIRE', k, px(st.newD / st.rate))
    elseif st.code == 3 then
      if st.drop > 0 then redis.call('LTRIM', k, st.drop, -1) end
      for j = 1, cost do redis.call('RPUSH', k, f(now)) end
      if cost > 0 or redis.call('EXISTS', k) == 1 then redis.call('PEXPIRE', k, px(st.p)) end
    else
      redis.call('HSET', k, 'w', f(st.w), 'c', f(st.curr + cost), 'p', f(st.prev))
      redis.call('PEXPIRE', k, px(2 * st.p))
    end
    if pick == 0 or R[i] < R[pick] then pick = i end
  elseif (not A[i]) and (pick == 0 or Y[i] > Y[pick]) then
    pick = i
  end
end
local y = 0
if not allowed then y = Y[pick] end
return { allowed and 1 or 0, remaining, S[pick], y, pick }
`;

/**
 * GCRA only (the default algorithm), the lean version of {@link RATE_LIMIT_SCRIPT} for the hot path: the same
 * arithmetic and reply, without the other algorithms' branches or per-rule tables. Numbers go to Redis as
 * numbers (Redis 7 writes them with full double precision) and times come back as integer microseconds, so
 * nothing is formatted in Lua.
 */
export const GCRA_SCRIPT = `
local now
local slack = 0
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = (tonumber(t[1]) - 1700000000) * 1000 + tonumber(t[2]) / 1000
else
  now = tonumber(ARGV[1])
  slack = 60000
end
local cost = tonumber(ARGV[2])
local n = #KEYS
if n == 1 then
  local t = tonumber(ARGV[5]) / tonumber(ARGV[4])
  local dvt = tonumber(ARGV[6]) * t
  local tat = tonumber(redis.call('GET', KEYS[1])) or 0
  if tat < now then tat = now end
  local newTat = tat + cost * t
  if newTat - now <= dvt + 1e-3 then
    redis.call('SET', KEYS[1], newTat, 'PX', math.ceil(newTat - now) + 1 + slack)
    return { 1, math.max(0, math.floor((dvt - (newTat - now) + 1e-3) / t)), math.ceil((newTat - now) * 1000), 0, 1 }
  end
  return { 0, math.max(0, math.floor((dvt - (tat - now) + 1e-3) / t)), math.ceil((tat - now) * 1000), math.ceil((newTat - dvt - now) * 1000), 1 }
end
local function q(x) return math.ceil(x * 1000) end
local NEW, R, S, Y = {}, {}, {}, {}
local allowed = true
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local t = tonumber(ARGV[b + 3]) / tonumber(ARGV[b + 2])
  local dvt = tonumber(ARGV[b + 4]) * t
  local tat = tonumber(redis.call('GET', KEYS[i])) or 0
  if tat < now then tat = now end
  local newTat = tat + cost * t
  NEW[i] = newTat
  if newTat - now <= dvt + 1e-3 then
    R[i] = math.max(0, math.floor((dvt - (newTat - now) + 1e-3) / t)); S[i] = q(newTat - now); Y[i] = 0
  else
    allowed = false
    R[i] = math.max(0, math.floor((dvt - (tat - now) + 1e-3) / t)); S[i] = q(tat - now); Y[i] = q(newTat - dvt - now)
  end
end
local pick = 0
local remaining = math.huge
for i = 1, n do
  if R[i] < remaining then remaining = R[i] end
  if allowed then
    redis.call('SET', KEYS[i], NEW[i], 'PX', math.ceil(NEW[i] - now) + 1 + slack)
    if pick == 0 or R[i] < R[pick] then pick = i end
  elseif Y[i] > 0 and (pick == 0 or Y[i] > Y[pick]) then
    pick = i
  end
end
local y = 0
if not allowed then y = Y[pick] end
return { allowed and 1 or 0, remaining, S[pick], y, pick }
`;
