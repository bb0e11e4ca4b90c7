import assert from "node:assert/strict";
import { bullJobId, DEFAULT_REDIS_URL, describeRedisUrl, parseRedisUrl } from "./redis.ts";

Deno.test("parseRedisUrl: loopback by default, password and ACL user through the URL, never printed", () => {
  const d = parseRedisUrl(DEFAULT_REDIS_URL, "--redis");
  assert.deepEqual([d.host, d.port, d.loopback, d.password], ["127.0.0.1", 6379, true, false]);
  const acl = parseRedisUrl("rediss://sweeper:pa55@redis.lab:6380/1", "--redis");
  assert.deepEqual([acl.host, acl.port, acl.loopback, acl.password], [
    "redis.lab",
    6380,
    false,
    true,
  ]);
  assert.equal(describeRedisUrl(acl.url), "rediss://sweeper:***@redis.lab:6380/1");
  assert.throws(
    () => parseRedisUrl("http://127.0.0.1:6379", "--redis"),
    /flag --redis must use redis:\/\//,
  );
  assert.throws(
    () => parseRedisUrl("not a url", "--redis"),
    /flag --redis must be a URL like redis:\/\/.*got "not a url"/,
  );
  assert.equal(bullJobId("s", "train/a:b"), "s__train/a_b");
});
