//! `RVec<T>`: a growable array whose layout is pinned (`ptr, len, cap`), so a
//! vector built by one logic version can be read, grown and freed by the next.
//!
//! `std::vec::Vec` is not used for swap-surviving state: its field order is
//! unspecified and may change with the compiler that builds the next library
//! (HOTSWAP-RULES 2; issue "layout must not depend on the compiler version").
//! Memory comes from the global allocator, which on both sides of the boundary
//! is the shell's (HOTSWAP-RULES 9), so either side may free what the other made.

use std::alloc::{self, Layout};
use std::ops::{Deref, DerefMut};
use std::ptr;

#[repr(C)]
pub struct RVec<T> {
    pub(crate) ptr: *mut T,
    pub(crate) len: usize,
    pub(crate) cap: usize,
}

impl<T> RVec<T> {
    pub const fn new() -> Self {
        RVec { ptr: ptr::null_mut(), len: 0, cap: 0 }
    }

    pub fn with_capacity(cap: usize) -> Self {
        let mut v = Self::new();
        v.reserve(cap);
        v
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Bytes this vector holds on the heap (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.cap * std::mem::size_of::<T>()
    }

    /// Ensures room for `additional` more elements, growing geometrically.
    pub fn reserve(&mut self, additional: usize) {
        let need = self.len.checked_add(additional).expect("RVec capacity overflow");
        if need <= self.cap {
            return;
        }
        let new_cap = need.max(self.cap * 2).max(if std::mem::size_of::<T>() == 1 { 16 } else { 4 });
        self.realloc_to(new_cap);
    }

    /// Shrinks the allocation to `max(len, min_cap)` elements.
    pub fn shrink_to(&mut self, min_cap: usize) {
        let target = self.len.max(min_cap);
        if target < self.cap {
            self.realloc_to(target);
        }
    }

    fn realloc_to(&mut self, new_cap: usize) {
        let size = std::mem::size_of::<T>();
        assert!(size != 0, "RVec does not hold zero-sized types");
        let new_layout = Layout::array::<T>(new_cap).expect("RVec capacity overflow");
        // SAFETY: `ptr` was allocated with `Layout::array::<T>(cap)` by this same
        // code (on either side of the boundary, through the one shell allocator).
        let p = unsafe {
            if new_cap == 0 {
                if self.cap != 0 {
                    alloc::dealloc(self.ptr as *mut u8, Layout::array::<T>(self.cap).unwrap());
                }
                ptr::null_mut()
            } else if self.cap == 0 {
                alloc::alloc(new_layout)
            } else {
                alloc::realloc(self.ptr as *mut u8, Layout::array::<T>(self.cap).unwrap(), new_layout.size())
            }
        };
        if new_cap != 0 && p.is_null() {
            alloc::handle_alloc_error(new_layout);
        }
        self.ptr = p as *mut T;
        self.cap = new_cap;
    }

    #[inline]
    pub fn push(&mut self, value: T) {
        if self.len == self.cap {
            self.reserve(1);
        }
        // SAFETY: len < cap after reserve.
        unsafe { self.ptr.add(self.len).write(value) };
        self.len += 1;
    }

    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: the element at the old last index is initialised and now
        // outside `len`, so it is read out exactly once.
        Some(unsafe { self.ptr.add(self.len).read() })
    }

    /// Removes the element at `index`, moving the last one into its place.
    pub fn swap_remove(&mut self, index: usize) -> T {
        assert!(index < self.len, "swap_remove index out of bounds");
        let last = self.len - 1;
        self.as_mut_slice().swap(index, last);
        self.pop().unwrap()
    }

    pub fn insert(&mut self, index: usize, value: T) {
        assert!(index <= self.len, "insert index out of bounds");
        self.reserve(1);
        // SAFETY: room for one more; the tail moves up by one within capacity.
        unsafe {
            let p = self.ptr.add(index);
            ptr::copy(p, p.add(1), self.len - index);
            p.write(value);
        }
        self.len += 1;
    }

    pub fn remove(&mut self, index: usize) -> T {
        assert!(index < self.len, "remove index out of bounds");
        // SAFETY: the element is read out once and the tail moves down over it.
        unsafe {
            let p = self.ptr.add(index);
            let v = p.read();
            ptr::copy(p.add(1), p, self.len - index - 1);
            self.len -= 1;
            v
        }
    }

    /// Empties the vector without dropping its elements, keeping the
    /// buffer: for elements whose contents were moved bitwise elsewhere.
    ///
    /// # Safety
    /// The elements must be owned elsewhere from now on, or leak.
    pub unsafe fn forget_elements(&mut self) {
        self.len = 0;
    }

    pub fn truncate(&mut self, len: usize) {
        while self.len > len {
            drop(self.pop());
        }
    }

    pub fn clear(&mut self) {
        self.truncate(0);
    }

    #[inline]
    pub fn as_slice(&self) -> &[T] {
        if self.ptr.is_null() {
            &[]
        } else {
            // SAFETY: `len` elements starting at `ptr` are initialised.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }

    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        if self.ptr.is_null() {
            &mut []
        } else {
            // SAFETY: as above, and `&mut self` makes the borrow unique.
            unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
        }
    }
}

impl<T: Copy> RVec<T> {
    pub fn extend_from_slice(&mut self, items: &[T]) {
        self.reserve(items.len());
        // SAFETY: reserved; `items` cannot alias our buffer because we hold `&mut self`.
        unsafe { ptr::copy_nonoverlapping(items.as_ptr(), self.ptr.add(self.len), items.len()) };
        self.len += items.len();
    }

    pub fn from_slice(items: &[T]) -> Self {
        let mut v = Self::with_capacity(items.len());
        v.extend_from_slice(items);
        v
    }

    /// Drops the first `n` elements, moving the rest to the front. Used to
    /// consume a query or reply buffer once a prefix is processed.
    pub fn drain_front(&mut self, n: usize) {
        let n = n.min(self.len);
        // SAFETY: T is Copy (no drop); the tail moves down within the buffer.
        unsafe { ptr::copy(self.ptr.add(n), self.ptr, self.len - n) };
        self.len -= n;
    }

    /// Sets the length to `new_len`, filling new elements with `fill`.
    pub fn resize(&mut self, new_len: usize, fill: T) {
        if new_len > self.len {
            self.reserve(new_len - self.len);
            for i in self.len..new_len {
                // SAFETY: within the reserved capacity.
                unsafe { self.ptr.add(i).write(fill) };
            }
            self.len = new_len;
        } else {
            self.len = new_len;
        }
    }
}

impl RVec<u8> {
    /// The spare capacity after `len`, for reading straight from a socket.
    pub fn spare_mut(&mut self, at_least: usize) -> &mut [u8] {
        self.reserve(at_least);
        // SAFETY: `cap - len` bytes after the initialised part are allocated;
        // u8 has no invalid bit patterns, and callers only read what they wrote.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(self.len), self.cap - self.len) }
    }

    /// Marks `n` more bytes of the spare capacity as written.
    ///
    /// # Safety
    /// The caller wrote `n` bytes into the slice returned by `spare_mut`.
    pub unsafe fn commit(&mut self, n: usize) {
        debug_assert!(self.len + n <= self.cap);
        self.len += n;
    }
}

impl<T> Drop for RVec<T> {
    fn drop(&mut self) {
        self.clear();
        if self.cap != 0 {
            // SAFETY: allocated with this layout by `realloc_to`.
            unsafe { alloc::dealloc(self.ptr as *mut u8, Layout::array::<T>(self.cap).unwrap()) };
        }
    }
}

impl<T> Default for RVec<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Deref for RVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> DerefMut for RVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T: Copy> Clone for RVec<T> {
    fn clone(&self) -> Self {
        Self::from_slice(self.as_slice())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for RVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// A byte string: the one string type of swap-surviving state.
pub type RBytes = RVec<u8>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_pop_insert_remove() {
        let mut v: RVec<u64> = RVec::new();
        for i in 0..100 {
            v.push(i);
        }
        assert_eq!(v.len(), 100);
        assert_eq!(v.remove(0), 0);
        v.insert(0, 42);
        assert_eq!(v[0], 42);
        assert_eq!(v.swap_remove(0), 42);
        assert_eq!(v[0], 99);
        assert_eq!(v.pop(), Some(98));
        v.truncate(3);
        assert_eq!(v.as_slice(), &[99, 1, 2]);
    }

    #[test]
    fn bytes_drain_and_spare() {
        let mut b = RBytes::from_slice(b"hello world");
        b.drain_front(6);
        assert_eq!(b.as_slice(), b"world");
        let spare = b.spare_mut(4);
        spare[..4].copy_from_slice(b"!!!!");
        unsafe { b.commit(4) };
        assert_eq!(b.as_slice(), b"world!!!!");
        b.shrink_to(0);
        assert_eq!(b.capacity(), b.len());
    }

    #[test]
    fn drops_elements() {
        let mut outer: RVec<RBytes> = RVec::new();
        for _ in 0..10 {
            outer.push(RBytes::from_slice(b"abc"));
        }
        outer.clear();
        assert!(outer.is_empty());
    }
}
