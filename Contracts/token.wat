;; A fungible token for the built-in chain's WebAssembly host (see HostInterface in Sources/TakeoffWasm).
;;
;; Input: a selector byte, then its arguments (addresses 20 bytes, amounts 16 bytes little-endian).
;;   1 transfer(to, amount)                 moves amount from the caller to `to`
;;   2 approve(spender, amount)             lets `spender` move up to amount of the caller's
;;   3 transferFrom(from, to, amount)       moves amount from `from` to `to`, out of the caller's allowance
;;   4 balanceOf(holder)                    returns the holder's balance (16 bytes)
;; Constructor input: the supply (16 bytes), all of it to the deployer.
;;
;; Storage keys (32 bytes): a balance is [1, holder, 0...]; an allowance is SHA-256(owner ‖ spender). A
;; recipient is credited (a commutative add), so transfers to one holder never conflict with each other; an
;; allowance of 2^128 - 1 is never spent down.
;;
;; Events: every move of tokens (a transfer, a transferFrom, the constructor's mint from the zero address) emits
;; topics ["Transfer", from, to] with the amount (16 bytes) as data; approve emits ["Approval", owner, spender]
;; with the allowance. A topic naming an event is its ASCII name, zero-padded to 32 bytes; an address topic is 12
;; zero bytes and the address.
;;
;; Reverts: 1 insufficient balance, 2 input of the wrong length, 3 insufficient allowance, 4 unknown selector.
(module
  (import "takeoff" "input_size" (func $input_size (result i32)))
  (import "takeoff" "input_copy" (func $input_copy (param i32)))
  (import "takeoff" "caller" (func $caller (param i32)))
  (import "takeoff" "read_amount" (func $read_amount (param i32 i32) (result i32)))
  (import "takeoff" "write_amount" (func $write_amount (param i32 i32)))
  (import "takeoff" "credit" (func $credit (param i32 i32)))
  (import "takeoff" "sha256" (func $sha256 (param i32 i32 i32)))
  (import "takeoff" "emit" (func $emit (param i32 i32 i32 i32)))
  (import "takeoff" "return" (func $return (param i32 i32)))
  (import "takeoff" "revert" (func $revert (param i32)))

  ;; 0 input (at most 256 bytes) · 256 storage key · 288 amount · 304 caller · 336 owner ‖ spender
  ;; 384 an event's three topics · 512 "Transfer" · 544 "Approval" · 576 the zero address
  (memory (export "memory") 1 1)
  (data (i32.const 512) "Transfer")
  (data (i32.const 544) "Approval")

  (func $expect_size (param $size i32)
    (if (i32.ne (call $input_size) (local.get $size)) (then (call $revert (i32.const 2)))))

  ;; the address at $address as a topic at $to: 12 zero bytes, then its 20 bytes
  (func $address_topic (param $to i32) (param $address i32)
    (i64.store (local.get $to) (i64.const 0))
    (i32.store offset=8 (local.get $to) (i32.const 0))
    (i64.store offset=12 (local.get $to) (i64.load (local.get $address)))
    (i64.store offset=20 (local.get $to) (i64.load offset=8 (local.get $address)))
    (i32.store offset=28 (local.get $to) (i32.load offset=16 (local.get $address))))

  ;; emits [the name at $name, $first, $second] with the amount at $amount as data
  (func $emit_event (param $name i32) (param $first i32) (param $second i32) (param $amount i32)
    (i64.store (i32.const 384) (i64.load (local.get $name)))
    (i64.store (i32.const 392) (i64.load offset=8 (local.get $name)))
    (i64.store (i32.const 400) (i64.load offset=16 (local.get $name)))
    (i64.store (i32.const 408) (i64.load offset=24 (local.get $name)))
    (call $address_topic (i32.const 416) (local.get $first))
    (call $address_topic (i32.const 448) (local.get $second))
    (call $emit (i32.const 384) (i32.const 3) (local.get $amount) (i32.const 16)))

  ;; key = [1, holder, 0...] at 256
  (func $balance_key (param $holder i32)
    (i64.store (i32.const 256) (i64.const 0))
    (i64.store (i32.const 264) (i64.const 0))
    (i64.store (i32.const 272) (i64.const 0))
    (i64.store (i32.const 280) (i64.const 0))
    (i32.store8 (i32.const 256) (i32.const 1))
    (i64.store (i32.const 257) (i64.load (local.get $holder)))
    (i64.store (i32.const 265) (i64.load offset=8 (local.get $holder)))
    (i32.store (i32.const 273) (i32.load offset=16 (local.get $holder))))

  ;; key = SHA-256(owner ‖ spender) at 256
  (func $allowance_key (param $owner i32) (param $spender i32)
    (i64.store (i32.const 336) (i64.load (local.get $owner)))
    (i64.store (i32.const 344) (i64.load offset=8 (local.get $owner)))
    (i32.store (i32.const 352) (i32.load offset=16 (local.get $owner)))
    (i64.store (i32.const 356) (i64.load (local.get $spender)))
    (i64.store (i32.const 364) (i64.load offset=8 (local.get $spender)))
    (i32.store (i32.const 372) (i32.load offset=16 (local.get $spender)))
    (call $sha256 (i32.const 336) (i32.const 40) (i32.const 256)))

  ;; Takes the amount at $amount from the amount under the key at 256; reverts with $code when it is short.
  ;; Leaves an amount of 2^128 - 1 as it is when $keep_maximum is set.
  (func $debit_key (param $amount i32) (param $code i32) (param $keep_maximum i32)
    (local $bl i64) (local $bh i64) (local $al i64) (local $ah i64)
    (drop (call $read_amount (i32.const 256) (i32.const 288)))
    (local.set $bl (i64.load (i32.const 288)))
    (local.set $bh (i64.load (i32.const 296)))
    (if (i32.and (local.get $keep_maximum)
                 (i32.and (i64.eq (local.get $bl) (i64.const -1)) (i64.eq (local.get $bh) (i64.const -1))))
      (then (return)))
    (local.set $al (i64.load (local.get $amount)))
    (local.set $ah (i64.load offset=8 (local.get $amount)))
    (if (i32.or (i64.lt_u (local.get $bh) (local.get $ah))
                (i32.and (i64.eq (local.get $bh) (local.get $ah)) (i64.lt_u (local.get $bl) (local.get $al))))
      (then (call $revert (local.get $code))))
    (i64.store (i32.const 288) (i64.sub (local.get $bl) (local.get $al)))
    (i64.store (i32.const 296)
      (i64.sub (i64.sub (local.get $bh) (local.get $ah)) (i64.extend_i32_u (i64.lt_u (local.get $bl) (local.get $al)))))
    (call $write_amount (i32.const 256) (i32.const 288)))

  (func $move (param $from i32) (param $to i32) (param $amount i32)
    (call $balance_key (local.get $from))
    (call $debit_key (local.get $amount) (i32.const 1) (i32.const 0))
    (call $balance_key (local.get $to))
    (call $credit (i32.const 256) (local.get $amount))
    (call $emit_event (i32.const 512) (local.get $from) (local.get $to) (local.get $amount)))

  (func (export "init")
    (call $expect_size (i32.const 16))
    (call $input_copy (i32.const 0))
    (call $caller (i32.const 304))
    (call $balance_key (i32.const 304))
    (call $credit (i32.const 256) (i32.const 0))
    (call $emit_event (i32.const 512) (i32.const 576) (i32.const 304) (i32.const 0)))

  (func (export "call")
    (local $selector i32)
    (if (i32.gt_u (call $input_size) (i32.const 256)) (then (call $revert (i32.const 2))))
    (call $input_copy (i32.const 0))
    (call $caller (i32.const 304))
    (local.set $selector (i32.load8_u (i32.const 0)))
    ;; transfer(to @1, amount @21)
    (if (i32.eq (local.get $selector) (i32.const 1)) (then
      (call $expect_size (i32.const 37))
      (call $move (i32.const 304) (i32.const 1) (i32.const 21))
      (return)))
    ;; approve(spender @1, amount @21)
    (if (i32.eq (local.get $selector) (i32.const 2)) (then
      (call $expect_size (i32.const 37))
      (call $allowance_key (i32.const 304) (i32.const 1))
      (call $write_amount (i32.const 256) (i32.const 21))
      (call $emit_event (i32.const 544) (i32.const 304) (i32.const 1) (i32.const 21))
      (return)))
    ;; transferFrom(from @1, to @21, amount @41)
    (if (i32.eq (local.get $selector) (i32.const 3)) (then
      (call $expect_size (i32.const 57))
      (call $allowance_key (i32.const 1) (i32.const 304))
      (call $debit_key (i32.const 41) (i32.const 3) (i32.const 1))
      (call $move (i32.const 1) (i32.const 21) (i32.const 41))
      (return)))
    ;; balanceOf(holder @1)
    (if (i32.eq (local.get $selector) (i32.const 4)) (then
      (call $expect_size (i32.const 21))
      (call $balance_key (i32.const 1))
      (drop (call $read_amount (i32.const 256) (i32.const 288)))
      (call $return (i32.const 288) (i32.const 16))
      (return)))
    (call $revert (i32.const 4))))
