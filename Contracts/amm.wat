;; A constant-product pool between two tokens (Contracts/token.wat) for the built-in chain's WebAssembly host.
;;
;; Input: a selector byte, then its arguments (amounts 16 bytes little-endian; the pool keeps amounts below
;; 2^63 so that its arithmetic fits 64 bits, and reverts otherwise).
;;   1 addLiquidity(amount0, amount1)       pulls both amounts from the caller (transferFrom: approve the pool
;;                                          first) into the reserves, and credits the caller's share by amount0
;;   2 swap(direction, amountIn, minimumOut) direction 0 sells token0 for token1, 1 the other way: pulls
;;                                          amountIn from the caller, pays out
;;                                          out = reserveOut × a / (reserveIn + a), a = amountIn less 0.3%,
;;                                          and reverts when out < minimumOut
;;   3 reserves()                           returns reserve0 ‖ reserve1 (32 bytes)
;; Constructor input: token0 ‖ token1 (two addresses).
;;
;; Storage keys (32 bytes): [2] token0, [3] token1 (addresses), [4] reserve0, [5] reserve1, [6, holder] a share.
;; The pool's own token balances hold the reserves; the reserve keys mirror them so a swap needs no call to read.
;;
;; Events: a swap emits topics ["Swap", trader] with direction (1 byte) ‖ amountIn ‖ amountOut (16 bytes each) as
;; data; addLiquidity emits ["Liquidity", provider] with amount0 ‖ amount1. Topics are spelled as the token's.
;;
;; Reverts: 2 input of the wrong length, 4 unknown selector, 5 slippage, 6 an amount at or past 2^63,
;; 7 an empty pool.
(module
  (import "takeoff" "input_size" (func $input_size (result i32)))
  (import "takeoff" "input_copy" (func $input_copy (param i32)))
  (import "takeoff" "caller" (func $caller (param i32)))
  (import "takeoff" "self_address" (func $self_address (param i32)))
  (import "takeoff" "read" (func $read (param i32 i32 i32) (result i32)))
  (import "takeoff" "write" (func $write (param i32 i32 i32)))
  (import "takeoff" "read_amount" (func $read_amount (param i32 i32) (result i32)))
  (import "takeoff" "write_amount" (func $write_amount (param i32 i32)))
  (import "takeoff" "credit" (func $credit (param i32 i32)))
  (import "takeoff" "call" (func $call (param i32 i32 i32) (result i32)))
  (import "takeoff" "emit" (func $emit (param i32 i32 i32 i32)))
  (import "takeoff" "return" (func $return (param i32 i32)))
  (import "takeoff" "revert" (func $revert (param i32)))

  ;; 0 input (at most 256 bytes) · 256 storage key · 288 amount · 304 caller · 324 this pool
  ;; 352 token0 · 372 token1 · 400 a call's input (57 bytes) · 464 two reserves · 512 an event's two topics
  ;; 576 a swap event's data (33 bytes) · 640 "Swap" · 672 "Liquidity"
  (memory (export "memory") 1 1)
  (data (i32.const 640) "Swap")
  (data (i32.const 672) "Liquidity")

  (func $expect_size (param $size i32)
    (if (i32.ne (call $input_size) (local.get $size)) (then (call $revert (i32.const 2)))))

  ;; key = [tag, 0...] at 256
  (func $tag_key (param $tag i32)
    (i64.store (i32.const 256) (i64.const 0))
    (i64.store (i32.const 264) (i64.const 0))
    (i64.store (i32.const 272) (i64.const 0))
    (i64.store (i32.const 280) (i64.const 0))
    (i32.store8 (i32.const 256) (local.get $tag)))

  (func $copy20 (param $to i32) (param $from i32)
    (i64.store (local.get $to) (i64.load (local.get $from)))
    (i64.store offset=8 (local.get $to) (i64.load offset=8 (local.get $from)))
    (i32.store offset=16 (local.get $to) (i32.load offset=16 (local.get $from))))

  ;; emits [the name at $name, the caller] with $length bytes at $data as data
  (func $emit_event (param $name i32) (param $data i32) (param $length i32)
    (i64.store (i32.const 512) (i64.load (local.get $name)))
    (i64.store (i32.const 520) (i64.load offset=8 (local.get $name)))
    (i64.store (i32.const 528) (i64.load offset=16 (local.get $name)))
    (i64.store (i32.const 536) (i64.load offset=24 (local.get $name)))
    (i64.store (i32.const 544) (i64.const 0))
    (i32.store (i32.const 552) (i32.const 0))
    (call $copy20 (i32.const 556) (i32.const 304))
    (call $emit (i32.const 512) (i32.const 2) (local.get $data) (local.get $length)))

  ;; The 16-byte amount at $at as a 64-bit number; reverts at or past 2^63.
  (func $small (param $at i32) (result i64)
    (if (i32.or (i64.ne (i64.load offset=8 (local.get $at)) (i64.const 0))
                (i64.lt_s (i64.load (local.get $at)) (i64.const 0)))
      (then (call $revert (i32.const 6))))
    (i64.load (local.get $at)))

  (func $store_amount (param $at i32) (param $value i64)
    (i64.store (local.get $at) (local.get $value))
    (i64.store offset=8 (local.get $at) (i64.const 0)))

  (func $reserve (param $tag i32) (result i64)
    (call $tag_key (local.get $tag))
    (drop (call $read_amount (i32.const 256) (i32.const 288)))
    (call $small (i32.const 288)))

  (func $set_reserve (param $tag i32) (param $value i64)
    (if (i64.lt_s (local.get $value) (i64.const 0)) (then (call $revert (i32.const 6))))
    (call $tag_key (local.get $tag))
    (call $store_amount (i32.const 288) (local.get $value))
    (call $write_amount (i32.const 256) (i32.const 288)))

  (func $load_tokens
    (call $tag_key (i32.const 2))
    (drop (call $read (i32.const 256) (i32.const 352) (i32.const 20)))
    (call $tag_key (i32.const 3))
    (drop (call $read (i32.const 256) (i32.const 372) (i32.const 20))))

  ;; token.transferFrom(caller, this pool, amount)
  (func $pull (param $token i32) (param $amount i64)
    (i32.store8 (i32.const 400) (i32.const 3))
    (call $copy20 (i32.const 401) (i32.const 304))
    (call $copy20 (i32.const 421) (i32.const 324))
    (call $store_amount (i32.const 441) (local.get $amount))
    (drop (call $call (local.get $token) (i32.const 400) (i32.const 57))))

  ;; token.transfer(caller, amount)
  (func $pay (param $token i32) (param $amount i64)
    (i32.store8 (i32.const 400) (i32.const 1))
    (call $copy20 (i32.const 401) (i32.const 304))
    (call $store_amount (i32.const 421) (local.get $amount))
    (drop (call $call (local.get $token) (i32.const 400) (i32.const 37))))

  (func (export "init")
    (call $expect_size (i32.const 40))
    (call $input_copy (i32.const 0))
    (call $tag_key (i32.const 2))
    (call $write (i32.const 256) (i32.const 0) (i32.const 20))
    (call $tag_key (i32.const 3))
    (call $write (i32.const 256) (i32.const 20) (i32.const 20)))

  (func (export "call")
    (local $selector i32) (local $in i64) (local $with_fee i64) (local $out i64)
    (local $reserve_in i64) (local $reserve_out i64) (local $tag_in i32) (local $tag_out i32)
    (if (i32.gt_u (call $input_size) (i32.const 256)) (then (call $revert (i32.const 2))))
    (call $input_copy (i32.const 0))
    (call $caller (i32.const 304))
    (call $self_address (i32.const 324))
    (local.set $selector (i32.load8_u (i32.const 0)))
    ;; addLiquidity(amount0 @1, amount1 @17)
    (if (i32.eq (local.get $selector) (i32.const 1)) (then
      (call $expect_size (i32.const 33))
      (call $load_tokens)
      (call $pull (i32.const 352) (call $small (i32.const 1)))
      (call $pull (i32.const 372) (call $small (i32.const 17)))
      (call $set_reserve (i32.const 4) (i64.add (call $reserve (i32.const 4)) (call $small (i32.const 1))))
      (call $set_reserve (i32.const 5) (i64.add (call $reserve (i32.const 5)) (call $small (i32.const 17))))
      (call $tag_key (i32.const 6))
      (call $copy20 (i32.const 257) (i32.const 304))
      (call $credit (i32.const 256) (i32.const 1))
      (call $emit_event (i32.const 672) (i32.const 1) (i32.const 32))
      (return)))
    ;; swap(direction @1, amountIn @2, minimumOut @18)
    (if (i32.eq (local.get $selector) (i32.const 2)) (then
      (call $expect_size (i32.const 34))
      (if (i32.gt_u (i32.load8_u (i32.const 1)) (i32.const 1)) (then (call $revert (i32.const 2))))
      (call $load_tokens)
      (local.set $tag_in (i32.add (i32.const 4) (i32.load8_u (i32.const 1))))
      (local.set $tag_out (i32.sub (i32.const 9) (local.get $tag_in)))
      (local.set $in (call $small (i32.const 2)))
      (local.set $reserve_in (call $reserve (local.get $tag_in)))
      (local.set $reserve_out (call $reserve (local.get $tag_out)))
      (if (i32.or (i64.eqz (local.get $reserve_in)) (i64.eqz (local.get $reserve_out)))
        (then (call $revert (i32.const 7))))
      (local.set $with_fee (i64.sub (local.get $in) (i64.div_u (i64.mul (local.get $in) (i64.const 3)) (i64.const 1000))))
      ;; reserve_out × with_fee must fit 64 bits
      (if (i32.and (i64.ne (local.get $with_fee) (i64.const 0))
                   (i64.gt_u (local.get $reserve_out) (i64.div_u (i64.const -1) (local.get $with_fee))))
        (then (call $revert (i32.const 6))))
      (local.set $out (i64.div_u (i64.mul (local.get $reserve_out) (local.get $with_fee))
                                 (i64.add (local.get $reserve_in) (local.get $with_fee))))
      (if (i64.lt_u (local.get $out) (call $small (i32.const 18))) (then (call $revert (i32.const 5))))
      ;; token in: 352 + 20 × direction; token out: the other
      (call $pull (i32.add (i32.const 352) (i32.mul (i32.const 20) (i32.load8_u (i32.const 1)))) (local.get $in))
      (call $pay (i32.sub (i32.const 372) (i32.mul (i32.const 20) (i32.load8_u (i32.const 1)))) (local.get $out))
      (call $set_reserve (local.get $tag_in) (i64.add (local.get $reserve_in) (local.get $in)))
      (call $set_reserve (local.get $tag_out) (i64.sub (local.get $reserve_out) (local.get $out)))
      (i32.store8 (i32.const 576) (i32.load8_u (i32.const 1)))
      (call $store_amount (i32.const 577) (local.get $in))
      (call $store_amount (i32.const 593) (local.get $out))
      (call $emit_event (i32.const 640) (i32.const 576) (i32.const 33))
      (return)))
    ;; reserves()
    (if (i32.eq (local.get $selector) (i32.const 3)) (then
      (call $expect_size (i32.const 1))
      (call $store_amount (i32.const 464) (call $reserve (i32.const 4)))
      (call $store_amount (i32.const 480) (call $reserve (i32.const 5)))
      (call $return (i32.const 464) (i32.const 32))
      (return)))
    (call $revert (i32.const 4))))
