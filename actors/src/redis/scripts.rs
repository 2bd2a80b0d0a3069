//! The Lua scripts of cluster presence: each runs atomically in Redis, so two nodes acting at
//! once never announce a transition twice.

/// A node's first session of a user: returns 1 when the user was offline everywhere before.
pub(super) const UP: &str = r"
local before = redis.call('HLEN', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
if before == 0 then return 1 end
return 0";

/// A node's last session of a user: returns 1 when no node has the user any more.
pub(super) const DOWN: &str = r"
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('HDEL', KEYS[3], ARGV[2])
  return 1
end
return 0";

/// Replaces an online user's routing key (a membership changed); does nothing once offline.
pub(super) const UPDATE: &str = r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 0";

/// Removes a node (crashed, or this node at start/stop) and returns whether this call removed it
/// from the nodes set (1 or 0) and the routing keys of the users it left offline everywhere.
/// Atomic, so two nodes sweeping at once announce each user, and the crash, once.
/// KEYS: node users set, online hash, nodes set, node alive key. ARGV: node id, prefix, force.
pub(super) const REAP: &str = r"
if ARGV[3] == '0' and redis.call('EXISTS', KEYS[4]) == 1 then return {0, {}} end
local gone = {}
for _, u in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local k = ARGV[2] .. ':pres:' .. u
  redis.call('HDEL', k, ARGV[1])
  if redis.call('HLEN', k) == 0 then
    local blob = redis.call('HGET', KEYS[2], u)
    redis.call('HDEL', KEYS[2], u)
    if blob then table.insert(gone, blob) end
  end
end
redis.call('DEL', KEYS[1])
local removed = redis.call('SREM', KEYS[3], ARGV[1])
return {removed, gone}";
