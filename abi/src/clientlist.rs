//! Clients by key (layout 7): the node of the tables that map a key or a
//! channel to the clients interested in it, in the order they came:
//! `Db::blocking_keys` (BLPOP and co.), `Db::watched_keys` (WATCH),
//! `ServerState::pubsub_channels` and `pubsub_patterns` (SUBSCRIBE,
//! PSUBSCRIBE). Redis keeps the same four dictionaries of client lists.
//!
//! The lists hold client pointers, as Redis's do: a client is a heap block
//! of the state that never moves, and freeing a client first removes it
//! from every list that names it (its own state says which).

use crate::state::Client;
use crate::vec::RVec;
use std::alloc::{self, Layout};
use std::ptr;

/// A key with its clients: header, then `key_len` key bytes, in one allocation.
#[repr(C)]
pub struct ClientList {
    pub next: *mut ClientList,
    /// In arrival order (blocked clients are served first come, first served).
    pub clients: RVec<*mut Client>,
    pub key_len: u32,
    pub _reserved: u32,
}

impl ClientList {
    fn layout(len: usize) -> Layout {
        Layout::from_size_align(std::mem::size_of::<ClientList>() + len, 8).expect("key too large")
    }

    /// A node for `key` with no clients yet.
    pub fn alloc(key: &[u8]) -> *mut ClientList {
        let layout = Self::layout(key.len());
        // SAFETY: non-zero layout; header and key bytes written before use.
        unsafe {
            let p = alloc::alloc(layout) as *mut ClientList;
            if p.is_null() {
                alloc::handle_alloc_error(layout);
            }
            p.write(ClientList { next: ptr::null_mut(), clients: RVec::new(), key_len: key.len() as u32, _reserved: 0 });
            let d = (p as *mut u8).add(std::mem::size_of::<ClientList>());
            ptr::copy_nonoverlapping(key.as_ptr(), d, key.len());
            p
        }
    }

    /// # Safety
    /// `p` came from [`ClientList::alloc`] and is in no table.
    pub unsafe fn free(p: *mut ClientList) {
        ptr::drop_in_place(&mut (*p).clients);
        alloc::dealloc(p as *mut u8, Self::layout((*p).key_len as usize));
    }
}

crate::dict_entry_with_trailing_key!(ClientList, key_len);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dict::{DictEntry, RDict};

    #[test]
    fn keys_map_to_clients_in_arrival_order() {
        let mut d: RDict<ClientList> = RDict::new(7);
        // Never dereferenced: the table only stores them.
        let (a, b) = (std::ptr::dangling_mut::<Client>(), std::ptr::dangling_mut::<Client>().wrapping_add(1));
        for (key, c) in [(&b"k"[..], a), (b"k", b), (b"other", b)] {
            let h = d.hash(key);
            let mut e = d.find(key, h);
            if e.is_null() {
                e = ClientList::alloc(key);
                // SAFETY: a new node whose key is not in `d`.
                unsafe { d.insert_new(e, h) };
            }
            // SAFETY: `e` is a live node of `d`.
            unsafe { (*e).clients.push(c) };
        }
        let h = d.hash(b"k");
        let e = d.find(b"k", h);
        // SAFETY: found in `d`, live.
        unsafe {
            assert_eq!((*e).key(), b"k");
            assert_eq!((*e).clients.as_slice(), &[a, b]);
        }
        // SAFETY: every node is freed once, out of the cleared table.
        d.clear(|e| unsafe { ClientList::free(e) });
    }
}
