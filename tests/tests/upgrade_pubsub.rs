//! Pub/sub across an UPGRADE: channel and pattern subscribers keep their
//! subscriptions and their subscriber mode, and receive every message
//! published after the swap exactly once and in order, including those of
//! a PUBLISH pipeline sent across it.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::time::Duration;


fn message(channel: &str, msg: &str) -> Vec<u8> {
    [&b"*3\r\n"[..], &bulk(b"message"), &bulk(channel.as_bytes()), &bulk(msg.as_bytes())].concat()
}

fn pmessage(pattern: &str, channel: &str, msg: &str) -> Vec<u8> {
    [&b"*4\r\n"[..], &bulk(b"pmessage"), &bulk(pattern.as_bytes()), &bulk(channel.as_bytes()), &bulk(msg.as_bytes())].concat()
}

fn confirm(verb: &str, name: &str, count: usize) -> Vec<u8> {
    [&b"*3\r\n"[..], &bulk(verb.as_bytes()), &bulk(name.as_bytes()), format!(":{count}\r\n").as_bytes()].concat()
}

/// PING of a RESP2 subscriber, and its array reply: also proves that
/// nothing else was queued before it.
const SUB_PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";
const SUB_PONG: &[u8] = b"*2\r\n$4\r\npong\r\n$0\r\n\r\n";

#[test]
fn subscriptions_survive_upgrade_and_a_publish_pipeline_crosses_it() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let mut chan = RawConn::connect(p.port);
    chan.send(&resp(&[b"SUBSCRIBE", b"a", b"b"]));
    chan.expect(&[confirm("subscribe", "a", 1), confirm("subscribe", "b", 2)].concat(), "SUBSCRIBE a b");
    let mut pat = RawConn::connect(p.port);
    pat.send(&resp(&[b"PSUBSCRIBE", b"a*"]));
    pat.expect(&confirm("psubscribe", "a*", 1), "PSUBSCRIBE a*");

    // Channel a reaches both, b the channel subscriber only, ab the
    // pattern subscriber only.
    let (mut request, mut replies, mut to_chan, mut to_pat) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..3000 {
        let channel = ["a", "b", "ab"][i % 3];
        let msg = format!("m{i}");
        request.extend(resp(&[b"PUBLISH", channel.as_bytes(), msg.as_bytes()]));
        replies.extend_from_slice(if channel == "a" { b":2\r\n" } else { b":1\r\n" });
        if channel != "ab" {
            to_chan.extend(message(channel, &msg));
        }
        if channel != "b" {
            to_pat.extend(pmessage("a*", channel, &msg));
        }
    }
    let _pipe = pipeline_across_upgrade(p.port, &mut admin, &v2, V2, &request, &replies, "the PUBLISH pipeline across the swap");
    chan.expect(&to_chan, "the channel subscriber's messages");
    pat.expect(&to_pat, "the pattern subscriber's messages");
    for (c, what) in [(&mut chan, "channel subscriber"), (&mut pat, "pattern subscriber")] {
        c.send(SUB_PING);
        c.expect(SUB_PONG, &format!("{what}: nothing after the last message"));
        // Still in subscriber mode under the new version.
        c.send(&resp(&[b"GET", b"k"]));
        c.expect(b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n", what);
    }
    let numsub: Vec<(String, i64)> = redis::cmd("PUBSUB").arg("NUMSUB").arg("a").arg("b").arg("ab").query(&mut admin).unwrap();
    assert_eq!(numsub, vec![("a".into(), 1), ("b".into(), 1), ("ab".into(), 0)]);
    let numpat: i64 = redis::cmd("PUBSUB").arg("NUMPAT").query(&mut admin).unwrap();
    assert_eq!(numpat, 1);

    // The new version changes the subscriptions the old one made.
    chan.send(&resp(&[b"UNSUBSCRIBE", b"a"]));
    chan.expect(&confirm("unsubscribe", "a", 1), "UNSUBSCRIBE a after the swap");
    let n: i64 = redis::cmd("PUBLISH").arg("a").arg("late").query(&mut admin).unwrap();
    assert_eq!(n, 1);
    pat.expect(&pmessage("a*", "a", "late"), "a message published after the swap");
    // A subscriber that goes away leaves the tables.
    drop(pat);
    assert!(wait_until(Duration::from_secs(5), || redis::cmd("PUBSUB").arg("NUMPAT").query::<i64>(&mut admin).unwrap() == 0));
    let n: i64 = redis::cmd("PUBLISH").arg("a").arg("nobody").query(&mut admin).unwrap();
    assert_eq!(n, 0);
    let n: i64 = redis::cmd("PUBLISH").arg("b").arg("last").query(&mut admin).unwrap();
    assert_eq!(n, 1);
    chan.expect(&message("b", "last"), "the remaining subscription");
    chan.send(SUB_PING);
    chan.expect(SUB_PONG, "nothing more");
}
