(module
 (type $0 (func (param i32 i32) (result i32)))
 (type $1 (func (param i32)))
 (type $2 (func))
 (type $3 (func (param i32 i32 i32 i32) (result i32)))
 (type $4 (func (param i32) (result i32)))
 (type $5 (func (param i32 i32 i32)))
 (type $6 (func (param i32 i64) (result i32)))
 (type $7 (func (param i64 i32 i32 i32 i32 i32 i32 i32 i32)))
 (type $8 (func (param i32 i32 i64 i32) (result i32)))
 (type $9 (func (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
 (type $10 (func (param i32 i32 i32) (result i32)))
 (type $11 (func (param i32 i32 i32 i32 i32) (result i32)))
 (type $12 (func (result i32)))
 (type $13 (func (param i32 i32 i32 i32 i32 i32) (result i32)))
 (global $assembly/heap/heapTop (mut i32) (i32.const 0))
 (global $assembly/meter/outPos (mut i32) (i32.const 0))
 (global $assembly/meter/packetReserve (mut i32) (i32.const 0))
 (global $assembly/meter/now (mut i64) (i64.const 0))
 (global $assembly/parse/pTcpFlags (mut i32) (i32.const 0))
 (global $assembly/parse/pPkttype (mut i32) (i32.const 0))
 (global $assembly/meter/targetCount (mut i32) (i32.const 0))
 (global $assembly/table/seed0 (mut i64) (i64.const 2611923443488327891))
 (global $assembly/table/seed1 (mut i64) (i64.const 1376283091369227076))
 (global $assembly/parse/pBytes (mut i32) (i32.const 0))
 (global $assembly/parse/pTtl (mut i32) (i32.const 0))
 (global $assembly/parse/pIfindex (mut i32) (i32.const 0))
 (global $assembly/parse/pVersion (mut i32) (i32.const 0))
 (global $assembly/walk/ifaceCount (mut i32) (i32.const 0))
 (global $assembly/walk/lastTs (mut i64) (i64.const 0))
 (memory $0 96 65536)
 (data $0 (i32.const 1036) "<")
 (data $0.1 (i32.const 1048) "\02\00\00\00,\00\00\00{\00\"\00t\00i\00m\00e\00_\00f\00l\00o\00w\00_\00s\00t\00a\00r\00t\00_\00n\00s\00\"\00:")
 (data $1 (i32.const 1100) "<")
 (data $1.1 (i32.const 1112) "\02\00\00\00(\00\00\00,\00\"\00t\00i\00m\00e\00_\00f\00l\00o\00w\00_\00e\00n\00d\00_\00n\00s\00\"\00:")
 (data $2 (i32.const 1164) ",")
 (data $2.1 (i32.const 1176) "\02\00\00\00\12\00\00\00,\00\"\00e\00t\00y\00p\00e\00\"\00:")
 (data $3 (i32.const 1212) ",")
 (data $3.1 (i32.const 1224) "\02\00\00\00\12\00\00\00,\00\"\00p\00r\00o\00t\00o\00\"\00:")
 (data $4 (i32.const 1260) ",")
 (data $4.1 (i32.const 1272) "\02\00\00\00\1a\00\00\00,\00\"\00s\00r\00c\00_\00a\00d\00d\00r\00\"\00:\00\"")
 (data $5 (i32.const 1308) ",")
 (data $5.1 (i32.const 1320) "\02\00\00\00\1c\00\00\00\"\00,\00\"\00d\00s\00t\00_\00a\00d\00d\00r\00\"\00:\00\"")
 (data $6 (i32.const 1356) ",")
 (data $6.1 (i32.const 1368) "\02\00\00\00\1a\00\00\00\"\00,\00\"\00s\00r\00c\00_\00p\00o\00r\00t\00\"\00:")
 (data $7 (i32.const 1404) ",")
 (data $7.1 (i32.const 1416) "\02\00\00\00\18\00\00\00,\00\"\00d\00s\00t\00_\00p\00o\00r\00t\00\"\00:")
 (data $8 (i32.const 1452) ",")
 (data $8.1 (i32.const 1464) "\02\00\00\00\12\00\00\00,\00\"\00i\00n\00_\00i\00f\00\"\00:")
 (data $9 (i32.const 1500) ",")
 (data $9.1 (i32.const 1512) "\02\00\00\00\12\00\00\00,\00\"\00b\00y\00t\00e\00s\00\"\00:")
 (data $10 (i32.const 1548) ",")
 (data $10.1 (i32.const 1560) "\02\00\00\00\16\00\00\00,\00\"\00p\00a\00c\00k\00e\00t\00s\00\"\00:")
 (data $11 (i32.const 1596) ",")
 (data $11.1 (i32.const 1608) "\02\00\00\00\1a\00\00\00,\00\"\00t\00c\00p\00_\00f\00l\00a\00g\00s\00\"\00:")
 (data $12 (i32.const 1644) ",")
 (data $12.1 (i32.const 1656) "\02\00\00\00\14\00\00\00,\00\"\00i\00p\00_\00t\00o\00s\00\"\00:")
 (data $13 (i32.const 1692) ",")
 (data $13.1 (i32.const 1704) "\02\00\00\00\1c\00\00\00,\00\"\00i\00p\00_\00t\00t\00l\00_\00m\00i\00n\00\"\00:")
 (data $14 (i32.const 1740) ",")
 (data $14.1 (i32.const 1752) "\02\00\00\00\1c\00\00\00,\00\"\00i\00p\00_\00t\00t\00l\00_\00m\00a\00x\00\"\00:")
 (data $15 (i32.const 1788) ",")
 (data $15.1 (i32.const 1800) "\02\00\00\00\16\00\00\00,\00\"\00v\00l\00a\00n\00_\00i\00d\00\"\00:")
 (data $16 (i32.const 1836) "<")
 (data $16.1 (i32.const 1848) "\02\00\00\00\"\00\00\00,\00\"\00v\00l\00a\00n\00_\00i\00d\00_\00i\00n\00n\00e\00r\00\"\00:")
 (data $17 (i32.const 1900) ",")
 (data $17.1 (i32.const 1912) "\02\00\00\00\1a\00\00\00,\00\"\00i\00c\00m\00p\00_\00t\00y\00p\00e\00\"\00:")
 (data $18 (i32.const 1948) ",")
 (data $18.1 (i32.const 1960) "\02\00\00\00\1a\00\00\00,\00\"\00i\00c\00m\00p\00_\00c\00o\00d\00e\00\"\00:")
 (data $19 (i32.const 1996) "<")
 (data $19.1 (i32.const 2008) "\02\00\00\00&\00\00\00,\00\"\00f\00l\00o\00w\00_\00e\00n\00d\00_\00r\00e\00a\00s\00o\00n\00\"\00:")
 (data $20 (i32.const 2060) "\1c")
 (data $20.1 (i32.const 2072) "\02\00\00\00\04\00\00\00}\00\n")
 (data $21 (i32.const 2092) "l")
 (data $21.1 (i32.const 2104) "\01\00\00\00T\00\00\00 \04\00\00`\04\00\00\a0\04\00\00\d0\04\00\00\00\05\00\000\05\00\00`\05\00\00\90\05\00\00\c0\05\00\00\f0\05\00\00 \06\00\00P\06\00\00\80\06\00\00\b0\06\00\00\e0\06\00\00\10\07\00\00@\07\00\00\80\07\00\00\b0\07\00\00\e0\07\00\00 \08")
 (data $22 (i32.const 2204) ",")
 (data $22.1 (i32.const 2216) "\04\00\00\00\10\00\00\00@\08\00\00@\08\00\00T\00\00\00\15")
 (data $23 (i32.const 2252) "<")
 (data $23.1 (i32.const 2264) "\02\00\00\00$\00\00\00I\00n\00d\00e\00x\00 \00o\00u\00t\00 \00o\00f\00 \00r\00a\00n\00g\00e")
 (data $24 (i32.const 2316) ",")
 (data $24.1 (i32.const 2328) "\02\00\00\00\1a\00\00\00~\00l\00i\00b\00/\00a\00r\00r\00a\00y\00.\00t\00s")
 (data $25 (i32.const 2364) "|")
 (data $25.1 (i32.const 2376) "\02\00\00\00^\00\00\00E\00l\00e\00m\00e\00n\00t\00 \00t\00y\00p\00e\00 \00m\00u\00s\00t\00 \00b\00e\00 \00n\00u\00l\00l\00a\00b\00l\00e\00 \00i\00f\00 \00a\00r\00r\00a\00y\00 \00i\00s\00 \00h\00o\00l\00e\00y")
 (export "init" (func $assembly/index/init))
 (export "configureTarget" (func $assembly/index/configureTarget))
 (export "walkPcap" (func $assembly/index/walkPcap))
 (export "walkPcapng" (func $assembly/index/walkPcapng))
 (export "walkBatch" (func $assembly/index/walkBatch))
 (export "setInterfaceCount" (func $assembly/index/setInterfaceCount))
 (export "advance" (func $assembly/index/advance))
 (export "flushAll" (func $assembly/index/flushAll))
 (export "outputLength" (func $assembly/index/outputLength))
 (export "outputReset" (func $assembly/index/outputReset))
 (export "memory" (memory $0))
 (start $~start)
 (func $assembly/json/dec32 (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  local.get $1
  i32.const 10
  i32.lt_u
  if (result i32)
   i32.const 1
  else
   local.get $1
   i32.const 100
   i32.lt_u
   if (result i32)
    i32.const 2
   else
    local.get $1
    i32.const 1000
    i32.lt_u
    if (result i32)
     i32.const 3
    else
     local.get $1
     i32.const 10000
     i32.lt_u
     if (result i32)
      i32.const 4
     else
      local.get $1
      i32.const 100000
      i32.lt_u
      if (result i32)
       i32.const 5
      else
       local.get $1
       i32.const 1000000
       i32.lt_u
       if (result i32)
        i32.const 6
       else
        local.get $1
        i32.const 10000000
        i32.lt_u
        if (result i32)
         i32.const 7
        else
         local.get $1
         i32.const 100000000
         i32.lt_u
         if (result i32)
          i32.const 8
         else
          i32.const 9
          i32.const 10
          local.get $1
          i32.const 1000000000
          i32.lt_u
          select
         end
        end
       end
      end
     end
    end
   end
  end
  local.tee $3
  local.get $0
  i32.add
  local.set $2
  loop $while-continue|0
   local.get $1
   i32.const 100
   i32.ge_u
   if
    local.get $1
    i32.const 100
    i32.rem_u
    local.set $4
    local.get $1
    i32.const 100
    i32.div_u
    local.set $1
    local.get $2
    i32.const 2
    i32.sub
    local.tee $2
    local.get $4
    i32.const 1
    i32.shl
    i32.const 76160
    i32.add
    i32.load16_u
    i32.store16
    br $while-continue|0
   end
  end
  local.get $1
  i32.const 10
  i32.ge_u
  if
   local.get $0
   local.get $1
   i32.const 1
   i32.shl
   i32.const 76160
   i32.add
   i32.load16_u
   i32.store16
  else
   local.get $0
   local.get $1
   i32.const 48
   i32.add
   i32.store8
  end
  local.get $0
  local.get $3
  i32.add
 )
 (func $assembly/meter/exportFlow (param $0 i32) (param $1 i32) (param $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  local.get $0
  i32.load offset=40
  local.get $1
  i32.const 12
  i32.shr_u
  i32.const 2
  i32.shl
  i32.add
  i32.load
  local.get $1
  i32.const 4095
  i32.and
  i32.const 96
  i32.mul
  i32.add
  local.set $3
  local.get $0
  i32.load offset=44
  i32.const 1
  i32.eq
  if
   global.get $assembly/meter/outPos
   local.get $3
   local.get $2
   call $assembly/json/jsonFlow
   global.set $assembly/meter/outPos
  end
  local.get $0
  i32.const 72
  i32.add
  local.get $2
  i32.const 3
  i32.shl
  i32.add
  local.tee $2
  local.get $2
  i64.load
  i64.const 1
  i64.add
  i64.store
  local.get $0
  local.tee $2
  i32.load offset=12
  local.set $4
  local.get $0
  i32.load offset=16
  local.tee $6
  local.get $0
  i32.load offset=40
  local.get $1
  local.tee $3
  i32.const 12
  i32.shr_u
  i32.const 2
  i32.shl
  i32.add
  i32.load
  local.get $1
  i32.const 4095
  i32.and
  i32.const 96
  i32.mul
  i32.add
  local.tee $5
  i32.load offset=92
  i32.and
  local.set $0
  loop $while-continue|0
   local.get $3
   i32.const 1
   i32.add
   local.get $4
   local.get $0
   i32.const 2
   i32.shl
   i32.add
   i32.load
   i32.const 4194303
   i32.and
   i32.ne
   if
    local.get $0
    i32.const 1
    i32.add
    local.get $6
    i32.and
    local.set $0
    br $while-continue|0
   end
  end
  local.get $0
  local.set $1
  loop $while-continue|1
   local.get $4
   local.get $1
   i32.const 1
   i32.add
   local.get $6
   i32.and
   local.tee $1
   i32.const 2
   i32.shl
   i32.add
   i32.load
   local.tee $7
   if
    local.get $2
    i32.load offset=40
    local.get $7
    i32.const 4194303
    i32.and
    i32.const 1
    i32.sub
    local.tee $8
    i32.const 12
    i32.shr_u
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.get $8
    i32.const 4095
    i32.and
    i32.const 96
    i32.mul
    i32.add
    i32.load offset=92
    local.get $6
    i32.and
    local.set $8
    local.get $0
    local.get $1
    i32.le_u
    if (result i32)
     local.get $1
     local.get $8
     i32.ge_u
     local.get $0
     local.get $8
     i32.lt_u
     local.tee $8
     local.get $8
     select
    else
     local.get $0
     local.get $8
     i32.lt_u
     local.get $1
     local.get $8
     i32.ge_u
     i32.or
    end
    i32.eqz
    if
     local.get $4
     local.get $0
     i32.const 2
     i32.shl
     i32.add
     local.get $7
     i32.store
     local.get $1
     local.set $0
    end
    br $while-continue|1
   end
  end
  local.get $4
  local.get $0
  i32.const 2
  i32.shl
  i32.add
  i32.const 0
  i32.store
  local.get $5
  i32.load offset=88
  local.set $0
  local.get $5
  i32.load offset=84
  local.tee $1
  i32.const -1
  i32.ne
  if
   local.get $2
   i32.load offset=40
   local.get $1
   i32.const 12
   i32.shr_u
   i32.const 2
   i32.shl
   i32.add
   i32.load
   local.get $1
   i32.const 4095
   i32.and
   i32.const 96
   i32.mul
   i32.add
   local.get $0
   i32.store offset=88
  else
   local.get $2
   local.get $0
   i32.store offset=24
  end
  local.get $0
  i32.const -1
  i32.ne
  if
   local.get $2
   i32.load offset=40
   local.get $0
   i32.const 12
   i32.shr_u
   i32.const 2
   i32.shl
   i32.add
   i32.load
   local.get $0
   i32.const 4095
   i32.and
   i32.const 96
   i32.mul
   i32.add
   local.get $1
   i32.store offset=84
  else
   local.get $2
   local.get $1
   i32.store offset=28
  end
  local.get $5
  local.get $2
  i32.load offset=32
  i32.store offset=88
  local.get $2
  local.get $3
  i32.store offset=32
  local.get $2
  local.get $2
  i32.load
  i32.const 1
  i32.sub
  i32.store
 )
 (func $assembly/json/dec64 (param $0 i32) (param $1 i64) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  local.get $1
  i64.const 4294967295
  i64.le_u
  if
   local.get $0
   local.get $1
   i32.wrap_i64
   call $assembly/json/dec32
   return
  end
  local.get $1
  i64.const 1000000000
  i64.rem_u
  i32.wrap_i64
  local.set $2
  local.get $0
  local.get $1
  i64.const 1000000000
  i64.div_u
  call $assembly/json/dec64
  local.tee $3
  i32.const 9
  i32.add
  local.set $4
  i32.const 0
  local.set $0
  loop $for-loop|0
   local.get $0
   i32.const 4
   i32.lt_s
   if
    local.get $2
    i32.const 100
    i32.rem_u
    local.set $5
    local.get $2
    i32.const 100
    i32.div_u
    local.set $2
    local.get $4
    i32.const 2
    i32.sub
    local.tee $4
    local.get $5
    i32.const 1
    i32.shl
    i32.const 76160
    i32.add
    i32.load16_u
    i32.store16
    local.get $0
    i32.const 1
    i32.add
    local.set $0
    br $for-loop|0
   end
  end
  local.get $3
  local.get $2
  i32.const 48
  i32.add
  i32.store8
  local.get $3
  i32.const 9
  i32.add
 )
 (func $assembly/meter/processPacket (param $0 i64) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32) (param $7 i32) (param $8 i32)
  (local $9 i64)
  (local $10 i64)
  (local $11 i64)
  (local $12 i64)
  (local $13 i64)
  (local $14 i64)
  (local $15 i64)
  (local $16 i64)
  (local $17 i64)
  (local $18 i64)
  (local $19 i64)
  (local $20 i64)
  (local $21 i64)
  (local $22 i64)
  (local $23 i64)
  (local $24 i64)
  (local $25 i64)
  (local $26 i64)
  (local $27 i64)
  (local $28 i64)
  (local $29 i64)
  (local $30 i64)
  (local $31 i64)
  (local $32 i64)
  (local $33 i32)
  (local $34 i32)
  i32.const 65600
  i32.const 65600
  i64.load
  i64.const 1
  i64.add
  i64.store
  local.get $8
  local.get $2
  local.get $1
  local.get $5
  local.get $3
  local.get $4
  local.get $6
  local.get $7
  call $assembly/parse/parsePacket
  local.tee $1
  i32.const 65535
  i32.ne
  if
   local.get $1
   i32.const 3
   i32.shl
   i32.const 65600
   i32.add
   local.tee $1
   local.get $1
   i64.load
   i64.const 1
   i64.add
   i64.store
   return
  end
  i32.const 76136
  global.get $assembly/parse/pIfindex
  i32.store
  i32.const 76135
  i32.const 0
  i32.store8
  local.get $0
  global.get $assembly/meter/now
  i64.lt_u
  if
   i32.const 65736
   i32.const 65736
   i64.load
   i64.const 1
   i64.add
   i64.store
  else
   local.get $0
   global.set $assembly/meter/now
  end
  global.get $assembly/table/seed0
  i32.const 76096
  i64.load
  i64.xor
  local.tee $16
  i64.const 32
  i64.shr_u
  local.tee $17
  global.get $assembly/table/seed1
  i32.const 76104
  i64.load
  i64.xor
  local.tee $9
  i64.const 4294967295
  i64.and
  local.tee $10
  i64.mul
  local.set $11
  local.get $16
  i64.const 4294967295
  i64.and
  local.tee $12
  local.get $9
  i64.const 32
  i64.shr_u
  local.tee $13
  i64.mul
  local.set $18
  global.get $assembly/table/seed0
  i32.const 76128
  i64.load
  i64.xor
  local.tee $14
  i64.const 32
  i64.shr_u
  local.tee $19
  i32.const 76136
  i64.load
  i64.const -7046029254386353131
  i64.xor
  local.tee $15
  i64.const 4294967295
  i64.and
  local.tee $20
  i64.mul
  local.set $21
  local.get $14
  i64.const 4294967295
  i64.and
  local.tee $22
  local.get $15
  i64.const 32
  i64.shr_u
  local.tee $23
  i64.mul
  local.set $24
  global.get $assembly/table/seed1
  i32.const 76112
  i64.load
  i64.xor
  local.tee $25
  i64.const 32
  i64.shr_u
  local.tee $26
  global.get $assembly/table/seed0
  i32.const 76120
  i64.load
  i64.xor
  local.tee $27
  i64.const 4294967295
  i64.and
  local.tee $28
  i64.mul
  local.set $29
  local.get $25
  i64.const 4294967295
  i64.and
  local.tee $30
  local.get $27
  i64.const 32
  i64.shr_u
  local.tee $31
  i64.mul
  local.set $32
  local.get $13
  local.get $17
  i64.mul
  local.get $18
  i64.const 32
  i64.shr_u
  i64.add
  local.get $11
  i64.const 32
  i64.shr_u
  i64.add
  local.get $18
  i64.const 4294967295
  i64.and
  local.get $10
  local.get $12
  i64.mul
  i64.const 32
  i64.shr_u
  i64.add
  local.get $11
  i64.const 4294967295
  i64.and
  i64.add
  i64.const 32
  i64.shr_u
  i64.add
  local.get $9
  local.get $16
  i64.mul
  i64.xor
  local.get $19
  local.get $23
  i64.mul
  local.get $24
  i64.const 32
  i64.shr_u
  i64.add
  local.get $21
  i64.const 32
  i64.shr_u
  i64.add
  local.get $24
  i64.const 4294967295
  i64.and
  local.get $20
  local.get $22
  i64.mul
  i64.const 32
  i64.shr_u
  i64.add
  local.get $21
  i64.const 4294967295
  i64.and
  i64.add
  i64.const 32
  i64.shr_u
  i64.add
  local.get $14
  local.get $15
  i64.mul
  i64.xor
  i64.xor
  i64.const -6884282663029611473
  i64.xor
  local.tee $9
  i64.const 32
  i64.shr_u
  local.tee $11
  global.get $assembly/table/seed1
  local.get $26
  local.get $31
  i64.mul
  local.get $32
  i64.const 32
  i64.shr_u
  i64.add
  local.get $29
  i64.const 32
  i64.shr_u
  i64.add
  local.get $32
  i64.const 4294967295
  i64.and
  local.get $28
  local.get $30
  i64.mul
  i64.const 32
  i64.shr_u
  i64.add
  local.get $29
  i64.const 4294967295
  i64.and
  i64.add
  i64.const 32
  i64.shr_u
  i64.add
  local.get $25
  local.get $27
  i64.mul
  i64.xor
  i64.xor
  local.tee $10
  i64.const 4294967295
  i64.and
  local.tee $12
  i64.mul
  local.set $13
  local.get $9
  i64.const 4294967295
  i64.and
  local.tee $14
  local.get $10
  i64.const 32
  i64.shr_u
  local.tee $15
  i64.mul
  local.set $16
  local.get $11
  local.get $15
  i64.mul
  local.get $16
  i64.const 32
  i64.shr_u
  i64.add
  local.get $13
  i64.const 32
  i64.shr_u
  i64.add
  local.get $16
  i64.const 4294967295
  i64.and
  local.get $12
  local.get $14
  i64.mul
  i64.const 32
  i64.shr_u
  i64.add
  local.get $13
  i64.const 4294967295
  i64.and
  i64.add
  i64.const 32
  i64.shr_u
  i64.add
  local.get $9
  local.get $10
  i64.mul
  i64.xor
  local.tee $9
  local.get $9
  i64.const 32
  i64.shr_u
  i64.xor
  i32.wrap_i64
  local.set $3
  i32.const 0
  local.set $2
  i32.const 0
  local.set $7
  loop $for-loop|0
   local.get $7
   global.get $assembly/meter/targetCount
   i32.lt_u
   if
    local.get $7
    i32.const 7
    i32.shl
    i32.const 74048
    i32.add
    local.tee $4
    i32.load offset=72
    if
     local.get $2
     local.set $1
     local.get $4
     i32.load offset=12
     local.set $5
     local.get $3
     i32.const 22
     i32.shr_u
     local.set $6
     local.get $4
     i32.load offset=16
     local.tee $33
     local.get $3
     i32.and
     local.set $8
     loop $while-continue|0
      block $__inlined_func$assembly/table/tableFind$45
       i32.const -1
       local.set $2
       local.get $5
       local.get $8
       i32.const 2
       i32.shl
       i32.add
       i32.load
       local.tee $34
       i32.eqz
       br_if $__inlined_func$assembly/table/tableFind$45
       local.get $34
       i32.const 22
       i32.shr_u
       local.get $6
       i32.eq
       if
        local.get $4
        i32.load offset=40
        local.get $34
        i32.const 4194303
        i32.and
        i32.const 1
        i32.sub
        local.tee $2
        i32.const 12
        i32.shr_u
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $2
        i32.const 4095
        i32.and
        i32.const 96
        i32.mul
        i32.add
        local.tee $34
        i64.load
        i32.const 76096
        i64.load
        i64.xor
        local.get $34
        i64.load offset=8
        i32.const 76104
        i64.load
        i64.xor
        i64.or
        local.get $34
        i64.load offset=16
        i32.const 76112
        i64.load
        i64.xor
        i64.or
        local.get $34
        i64.load offset=24
        i32.const 76120
        i64.load
        i64.xor
        i64.or
        local.get $34
        i64.load offset=32
        i32.const 76128
        i64.load
        i64.xor
        i64.or
        local.get $34
        i64.load offset=40
        i32.const 76136
        i64.load
        i64.xor
        i64.or
        i64.eqz
        br_if $__inlined_func$assembly/table/tableFind$45
       end
       local.get $8
       i32.const 1
       i32.add
       local.get $33
       i32.and
       local.set $8
       br $while-continue|0
      end
     end
     i32.const 1
     local.get $1
     block $assembly/meter/meterInto|inlined.0 (result i32)
      local.get $2
      i32.const -1
      i32.ne
      if
       local.get $0
       local.get $4
       i32.load offset=40
       local.get $2
       i32.const 12
       i32.shr_u
       i32.const 2
       i32.shl
       i32.add
       i32.load
       local.get $2
       i32.const 4095
       i32.and
       i32.const 96
       i32.mul
       i32.add
       local.tee $1
       i64.load offset=56
       local.get $4
       i64.load offset=48
       i64.add
       i64.gt_u
       if (result i32)
        local.get $4
        local.get $2
        i32.const 1
        call $assembly/meter/exportFlow
        i32.const -1
       else
        local.get $0
        local.get $1
        i64.load offset=48
        local.get $4
        i64.load offset=56
        i64.add
        i64.ge_u
        if (result i32)
         local.get $4
         local.get $2
         i32.const 2
         call $assembly/meter/exportFlow
         i32.const -1
        else
         local.get $2
        end
       end
       local.set $2
      end
      local.get $2
      i32.const -1
      i32.eq
      if
       local.get $4
       local.get $3
       local.get $0
       global.get $assembly/parse/pPkttype
       call $assembly/table/tableCreate
       local.tee $2
       i32.const -1
       i32.eq
       if
        i32.const 0
        local.get $4
        i32.load offset=24
        local.tee $1
        i32.const -1
        i32.eq
        br_if $assembly/meter/meterInto|inlined.0
        drop
        local.get $4
        local.get $1
        i32.const 5
        call $assembly/meter/exportFlow
        i32.const 0
        local.get $4
        local.get $3
        local.get $0
        global.get $assembly/parse/pPkttype
        call $assembly/table/tableCreate
        local.tee $2
        i32.const -1
        i32.eq
        br_if $assembly/meter/meterInto|inlined.0
        drop
       end
      end
      local.get $0
      local.get $4
      i32.load offset=40
      local.get $2
      i32.const 12
      i32.shr_u
      i32.const 2
      i32.shl
      i32.add
      i32.load
      local.get $2
      i32.const 4095
      i32.and
      i32.const 96
      i32.mul
      i32.add
      local.tee $1
      i64.load offset=56
      i64.gt_u
      if
       local.get $1
       local.get $0
       i64.store offset=56
      end
      local.get $0
      local.get $1
      i64.load offset=48
      i64.lt_u
      if
       local.get $1
       local.get $0
       i64.store offset=48
      end
      local.get $1
      i32.const -64
      i32.sub
      local.tee $5
      local.get $5
      i64.load
      global.get $assembly/parse/pBytes
      i64.extend_i32_u
      i64.add
      i64.store
      local.get $1
      local.get $1
      i64.load offset=72
      i64.const 1
      i64.add
      i64.store offset=72
      local.get $1
      global.get $assembly/parse/pTcpFlags
      local.get $1
      i32.load8_u offset=80
      i32.or
      i32.store8 offset=80
      global.get $assembly/parse/pTtl
      local.tee $5
      local.get $1
      i32.load8_u offset=81
      i32.lt_u
      if
       local.get $1
       local.get $5
       i32.store8 offset=81
      end
      local.get $5
      local.get $1
      i32.load8_u offset=82
      i32.gt_u
      if
       local.get $1
       local.get $5
       i32.store8 offset=82
      end
      local.get $4
      i32.load offset=28
      local.tee $5
      local.get $2
      i32.ne
      if
       local.get $4
       i32.load offset=40
       local.get $1
       i32.load offset=88
       local.tee $6
       i32.const 12
       i32.shr_u
       i32.const 2
       i32.shl
       i32.add
       i32.load
       local.get $6
       i32.const 4095
       i32.and
       i32.const 96
       i32.mul
       i32.add
       local.get $1
       i32.load offset=84
       local.tee $8
       i32.store offset=84
       local.get $8
       i32.const -1
       i32.ne
       if
        local.get $4
        i32.load offset=40
        local.get $8
        i32.const 12
        i32.shr_u
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $8
        i32.const 4095
        i32.and
        i32.const 96
        i32.mul
        i32.add
        local.get $6
        i32.store offset=88
       else
        local.get $4
        local.get $6
        i32.store offset=24
       end
       local.get $1
       local.get $5
       i32.store offset=84
       local.get $1
       i32.const -1
       i32.store offset=88
       local.get $4
       i32.load offset=40
       local.get $5
       i32.const 12
       i32.shr_u
       i32.const 2
       i32.shl
       i32.add
       i32.load
       local.get $5
       i32.const 4095
       i32.and
       i32.const 96
       i32.mul
       i32.add
       local.get $2
       i32.store offset=88
       local.get $4
       local.get $2
       i32.store offset=28
      end
      local.get $4
      local.get $4
      i64.load offset=120
      i64.const 1
      i64.add
      i64.store offset=120
      global.get $assembly/parse/pTcpFlags
      i32.const 5
      i32.and
      if (result i32)
       i32.const 76132
       i32.load8_u
       i32.const 6
       i32.eq
      else
       i32.const 0
      end
      if
       local.get $4
       local.get $2
       i32.const 3
       call $assembly/meter/exportFlow
      end
      i32.const 1
     end
     select
     local.set $2
     local.get $4
     call $assembly/meter/expireIdle
    end
    local.get $7
    i32.const 1
    i32.add
    local.set $7
    br $for-loop|0
   end
  end
  local.get $2
  i32.eqz
  if
   i32.const 65728
   i32.const 65728
   i64.load
   i64.const 1
   i64.add
   i64.store
   return
  end
  i32.const 65608
  i32.const 65608
  i64.load
  i64.const 1
  i64.add
  i64.store
  i32.const 65624
  i32.const 65624
  i64.load
  global.get $assembly/parse/pBytes
  i64.extend_i32_u
  i64.add
  i64.store
  global.get $assembly/parse/pVersion
  i32.const 6
  i32.eq
  if
   i32.const 65632
   i32.const 65632
   i64.load
   i64.const 1
   i64.add
   i64.store
  end
 )
 (func $assembly/json/ipv4 (param $0 i32) (param $1 i32) (result i32)
  local.get $0
  local.get $1
  i32.load8_u
  call $assembly/json/dec32
  local.tee $0
  i32.const 46
  i32.store8
  local.get $0
  i32.const 1
  i32.add
  local.get $1
  i32.load8_u offset=1
  call $assembly/json/dec32
  local.tee $0
  i32.const 46
  i32.store8
  local.get $0
  i32.const 1
  i32.add
  local.get $1
  i32.load8_u offset=2
  call $assembly/json/dec32
  local.tee $0
  i32.const 46
  i32.store8
  local.get $0
  i32.const 1
  i32.add
  local.get $1
  i32.load8_u offset=3
  call $assembly/json/dec32
 )
 (func $assembly/table/tableCreate (param $0 i32) (param $1 i32) (param $2 i64) (param $3 i32) (result i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  local.get $0
  i32.load
  local.tee $8
  local.get $0
  i32.load offset=8
  i32.ge_u
  if
   i32.const -1
   return
  end
  block $__inlined_func$assembly/table/slotAlloc$73
   local.get $0
   i32.load offset=32
   local.tee $5
   i32.const -1
   i32.ne
   if
    local.get $0
    local.get $0
    i32.load offset=40
    local.get $5
    i32.const 12
    i32.shr_u
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.get $5
    i32.const 4095
    i32.and
    i32.const 96
    i32.mul
    i32.add
    i32.load offset=88
    i32.store offset=32
    br $__inlined_func$assembly/table/slotAlloc$73
   end
   i32.const -1
   local.set $5
   local.get $0
   i32.load offset=36
   local.tee $4
   local.get $0
   i32.load offset=8
   i32.ge_u
   br_if $__inlined_func$assembly/table/slotAlloc$73
   local.get $4
   i32.const 4095
   i32.and
   i32.eqz
   if
    block $__inlined_func$assembly/heap/heapAlloc$41
     global.get $assembly/heap/heapTop
     i32.const 63
     i32.add
     i32.const -64
     i32.and
     local.tee $5
     i32.const 393216
     i32.add
     local.tee $7
     memory.size
     i32.const 16
     i32.shl
     local.tee $6
     i32.gt_u
     if
      local.get $7
      local.get $6
      i32.sub
      i32.const 65535
      i32.add
      i32.const 16
      i32.shr_u
      memory.grow
      i32.const 0
      i32.lt_s
      if
       i32.const 65564
       i32.const 65564
       i32.load
       i32.const 1
       i32.add
       i32.store
       i32.const 0
       local.set $5
       br $__inlined_func$assembly/heap/heapAlloc$41
      end
     end
     local.get $7
     global.set $assembly/heap/heapTop
     i32.const 65560
     global.get $assembly/heap/heapTop
     i32.store
    end
    local.get $5
    i32.eqz
    if
     i32.const 65564
     i32.const 65564
     i32.load
     i32.const 1
     i32.add
     i32.store
     i32.const -1
     local.set $5
     br $__inlined_func$assembly/table/slotAlloc$73
    end
    local.get $0
    i32.load offset=40
    local.get $4
    i32.const 12
    i32.shr_u
    i32.const 2
    i32.shl
    i32.add
    local.get $5
    i32.store
   end
   local.get $0
   local.get $4
   i32.const 1
   i32.add
   i32.store offset=36
   local.get $4
   local.set $5
  end
  local.get $5
  i32.const -1
  i32.eq
  if
   i32.const -1
   return
  end
  local.get $0
  i32.load offset=40
  local.get $5
  i32.const 12
  i32.shr_u
  i32.const 2
  i32.shl
  i32.add
  i32.load
  local.get $5
  i32.const 4095
  i32.and
  i32.const 96
  i32.mul
  i32.add
  local.tee $4
  i32.const 76096
  i32.const 48
  memory.copy
  local.get $4
  local.get $2
  i64.store offset=48
  local.get $4
  local.get $2
  i64.store offset=56
  local.get $4
  i32.const -64
  i32.sub
  i64.const 0
  i64.store
  local.get $4
  i64.const 0
  i64.store offset=72
  local.get $4
  local.get $3
  i32.const 24
  i32.shl
  i32.const 65280
  i32.or
  i32.store offset=80
  local.get $4
  local.get $1
  i32.store offset=92
  local.get $4
  local.get $0
  i32.load offset=28
  local.tee $3
  i32.store offset=84
  local.get $4
  i32.const -1
  i32.store offset=88
  local.get $3
  i32.const -1
  i32.ne
  if
   local.get $0
   i32.load offset=40
   local.get $3
   i32.const 12
   i32.shr_u
   i32.const 2
   i32.shl
   i32.add
   i32.load
   local.get $3
   i32.const 4095
   i32.and
   i32.const 96
   i32.mul
   i32.add
   local.get $5
   i32.store offset=88
  else
   local.get $0
   local.get $5
   i32.store offset=24
  end
  local.get $0
  local.get $5
  i32.store offset=28
  local.get $0
  local.get $8
  i32.const 1
  i32.add
  local.tee $4
  i32.store
  local.get $4
  local.get $0
  i32.load offset=4
  i32.gt_u
  if
   local.get $0
   local.get $4
   i32.store offset=4
  end
  local.get $0
  i32.const -64
  i32.sub
  local.tee $3
  local.get $3
  i64.load
  i64.const 1
  i64.add
  i64.store
  local.get $4
  local.get $0
  i32.load offset=16
  i32.const 1
  i32.add
  local.tee $3
  local.get $3
  i32.const 2
  i32.shr_u
  i32.sub
  i32.gt_u
  if
   block $__inlined_func$assembly/table/indexGrow$2
    local.get $3
    local.get $0
    i32.load offset=20
    i32.ge_u
    br_if $__inlined_func$assembly/table/indexGrow$2
    block $__inlined_func$assembly/heap/heapAlloc$42 (result i32)
     global.get $assembly/heap/heapTop
     i32.const 63
     i32.add
     i32.const -64
     i32.and
     local.tee $7
     local.get $3
     i32.const 1
     i32.shl
     local.tee $6
     i32.const 2
     i32.shl
     i32.add
     local.tee $4
     memory.size
     i32.const 16
     i32.shl
     local.tee $3
     i32.gt_u
     if
      local.get $4
      local.get $3
      i32.sub
      i32.const 65535
      i32.add
      i32.const 16
      i32.shr_u
      memory.grow
      i32.const 0
      i32.lt_s
      if
       i32.const 65564
       i32.const 65564
       i32.load
       i32.const 1
       i32.add
       i32.store
       i32.const 0
       br $__inlined_func$assembly/heap/heapAlloc$42
      end
     end
     local.get $4
     global.set $assembly/heap/heapTop
     i32.const 65560
     global.get $assembly/heap/heapTop
     i32.store
     local.get $7
    end
    local.tee $3
    i32.eqz
    br_if $__inlined_func$assembly/table/indexGrow$2
    local.get $3
    i32.const 0
    local.get $6
    i32.const 2
    i32.shl
    memory.fill
    local.get $0
    local.get $3
    i32.store offset=12
    local.get $0
    local.get $6
    i32.const 1
    i32.sub
    i32.store offset=16
    local.get $0
    i32.load offset=24
    local.set $3
    loop $while-continue|0
     local.get $3
     i32.const -1
     i32.ne
     if
      local.get $0
      i32.load offset=12
      local.set $7
      local.get $0
      i32.load offset=40
      local.get $3
      i32.const 12
      i32.shr_u
      i32.const 2
      i32.shl
      i32.add
      i32.load
      local.get $3
      i32.const 4095
      i32.and
      i32.const 96
      i32.mul
      i32.add
      local.tee $6
      i32.load offset=92
      local.tee $8
      local.get $0
      i32.load offset=16
      local.tee $4
      i32.and
      local.set $9
      loop $while-continue|01
       local.get $7
       local.get $9
       i32.const 2
       i32.shl
       i32.add
       i32.load
       if
        local.get $9
        i32.const 1
        i32.add
        local.get $4
        i32.and
        local.set $9
        br $while-continue|01
       end
      end
      local.get $7
      local.get $9
      i32.const 2
      i32.shl
      i32.add
      local.get $3
      i32.const 1
      i32.add
      local.get $8
      i32.const -4194304
      i32.and
      i32.or
      i32.store
      local.get $6
      i32.load offset=88
      local.set $3
      br $while-continue|0
     end
    end
   end
  end
  local.get $0
  i32.load offset=12
  local.set $4
  local.get $0
  i32.load offset=16
  local.tee $3
  local.get $1
  i32.and
  local.set $0
  loop $while-continue|00
   local.get $4
   local.get $0
   i32.const 2
   i32.shl
   i32.add
   i32.load
   if
    local.get $0
    i32.const 1
    i32.add
    local.get $3
    i32.and
    local.set $0
    br $while-continue|00
   end
  end
  local.get $4
  local.get $0
  i32.const 2
  i32.shl
  i32.add
  local.get $5
  i32.const 1
  i32.add
  local.get $1
  i32.const -4194304
  i32.and
  i32.or
  i32.store
  local.get $5
 )
 (func $assembly/meter/expireIdle (param $0 i32)
  (local $1 i32)
  (local $2 i64)
  local.get $0
  i64.load offset=48
  local.set $2
  loop $while-continue|0
   local.get $0
   i32.load offset=24
   local.tee $1
   i32.const -1
   i32.eq
   if
    return
   end
   global.get $assembly/meter/now
   local.get $0
   i32.load offset=40
   local.get $1
   i32.const 12
   i32.shr_u
   i32.const 2
   i32.shl
   i32.add
   i32.load
   local.get $1
   i32.const 4095
   i32.and
   i32.const 96
   i32.mul
   i32.add
   i64.load offset=56
   local.get $2
   i64.add
   i64.le_u
   if
    return
   end
   global.get $assembly/meter/outPos
   global.get $assembly/meter/packetReserve
   i32.add
   i32.const 1024
   i32.add
   i32.const 1048576
   i32.le_u
   if
    local.get $0
    local.get $1
    i32.const 1
    call $assembly/meter/exportFlow
    br $while-continue|0
   end
  end
 )
 (func $assembly/json/ipv6 (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  local.get $1
  i64.load
  i64.eqz
  if (result i32)
   local.get $1
   i32.load offset=8
   i32.const -65536
   i32.eq
  else
   i32.const 0
  end
  if
   local.get $0
   i64.const 16438138639891002
   i64.store
   local.get $0
   i32.const 7
   i32.add
   local.get $1
   i32.const 12
   i32.add
   call $assembly/json/ipv4
   return
  end
  i32.const -1
  local.set $2
  i32.const -1
  local.set $3
  loop $for-loop|0
   local.get $6
   i32.const 8
   i32.lt_s
   if
    local.get $1
    local.get $6
    i32.const 1
    i32.shl
    i32.add
    i32.load16_u
    if
     i32.const -1
     local.set $3
    else
     local.get $3
     i32.const 0
     i32.lt_s
     if
      i32.const 0
      local.set $4
      local.get $6
      local.set $3
     end
     local.get $4
     i32.const 1
     i32.add
     local.tee $4
     local.get $5
     i32.gt_s
     if
      local.get $4
      local.set $5
      local.get $3
      local.set $2
     end
    end
    local.get $6
    i32.const 1
    i32.add
    local.set $6
    br $for-loop|0
   end
  end
  local.get $5
  i32.const 2
  i32.lt_s
  if
   i32.const 0
   local.set $5
   i32.const -1
   local.set $2
  end
  i32.const 0
  local.set $6
  loop $while-continue|1
   local.get $6
   i32.const 8
   i32.lt_s
   if
    local.get $2
    local.get $6
    i32.eq
    if
     local.get $0
     i32.const 14906
     i32.store16
     local.get $0
     i32.const 2
     i32.add
     local.set $0
     local.get $5
     local.get $6
     i32.add
     local.set $6
     br $while-continue|1
    end
    local.get $6
    local.get $2
    local.get $5
    i32.add
    i32.ne
    local.get $6
    i32.const 0
    i32.gt_s
    i32.and
    if
     local.get $0
     i32.const 58
     i32.store8
     local.get $0
     i32.const 1
     i32.add
     local.set $0
    end
    local.get $1
    local.get $6
    i32.const 1
    i32.shl
    i32.add
    i32.load16_u
    local.tee $3
    i32.const 8
    i32.shl
    local.get $3
    i32.const 8
    i32.shr_u
    i32.or
    i32.const 65535
    i32.and
    local.tee $3
    i32.const 4096
    i32.ge_u
    if
     local.get $0
     local.get $3
     i32.const 12
     i32.shr_u
     i32.const 76360
     i32.add
     i32.load8_u
     i32.store8
     local.get $0
     i32.const 1
     i32.add
     local.set $0
    end
    local.get $3
    i32.const 256
    i32.ge_u
    if
     local.get $0
     local.get $3
     i32.const 8
     i32.shr_u
     i32.const 15
     i32.and
     i32.const 76360
     i32.add
     i32.load8_u
     i32.store8
     local.get $0
     i32.const 1
     i32.add
     local.set $0
    end
    local.get $3
    i32.const 16
    i32.ge_u
    if
     local.get $0
     local.get $3
     i32.const 4
     i32.shr_u
     i32.const 15
     i32.and
     i32.const 76360
     i32.add
     i32.load8_u
     i32.store8
     local.get $0
     i32.const 1
     i32.add
     local.set $0
    end
    local.get $0
    local.get $3
    i32.const 15
    i32.and
    i32.const 76360
    i32.add
    i32.load8_u
    i32.store8
    local.get $0
    i32.const 1
    i32.add
    local.set $0
    local.get $6
    i32.const 1
    i32.add
    local.set $6
    br $while-continue|1
   end
  end
  local.get $0
 )
 (func $~start
  i32.const 5323136
  global.set $assembly/heap/heapTop
  i32.const 3072
  global.set $assembly/meter/packetReserve
 )
 (func $assembly/walk/walkPcapng (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i64)
  (local $8 i32)
  (local $9 i32)
  (local $10 i64)
  (local $11 i32)
  (local $12 i32)
  block $folding-inner4
   block $folding-inner3
    block $folding-inner2
     block $folding-inner1
      block $folding-inner0
       loop $while-continue|0
        block $while-break|0
         global.get $assembly/meter/outPos
         global.get $assembly/meter/packetReserve
         i32.add
         i32.const 1024
         i32.add
         i32.const 1048576
         i32.gt_u
         if
          i32.const 65536
          i32.const 1
          i32.store
          br $folding-inner4
         end
         local.get $8
         i32.const 12
         i32.add
         local.get $0
         i32.gt_u
         br_if $while-break|0
         local.get $8
         i32.const 80256
         i32.add
         local.tee $6
         i32.load
         local.set $2
         local.get $1
         if
          local.get $2
          i32.const -16711936
          i32.and
          i32.const 8
          i32.rotl
          local.get $2
          i32.const 16711935
          i32.and
          i32.const 8
          i32.rotr
          i32.or
          local.set $2
         end
         local.get $2
         i32.const 1
         i32.eq
         local.get $2
         i32.const 168627466
         i32.eq
         i32.or
         if
          i32.const 65536
          i32.const 2
          i32.store
          br $folding-inner4
         end
         local.get $6
         i32.load offset=4
         local.set $3
         local.get $1
         if
          local.get $3
          i32.const -16711936
          i32.and
          i32.const 8
          i32.rotl
          local.get $3
          i32.const 16711935
          i32.and
          i32.const 8
          i32.rotr
          i32.or
          local.set $3
         end
         local.get $3
         i32.const 12
         i32.lt_u
         br_if $folding-inner0
         local.get $3
         i32.const 3
         i32.and
         if
          i32.const 65540
          i32.const 4
          i32.store
          br $folding-inner1
         end
         local.get $3
         local.get $0
         local.get $8
         i32.sub
         i32.gt_u
         br_if $while-break|0
         local.get $3
         local.get $6
         i32.add
         i32.const 4
         i32.sub
         i32.load
         local.set $4
         local.get $1
         if (result i32)
          local.get $4
          i32.const -16711936
          i32.and
          i32.const 8
          i32.rotl
          local.get $4
          i32.const 16711935
          i32.and
          i32.const 8
          i32.rotr
          i32.or
         else
          local.get $4
         end
         local.get $3
         i32.ne
         if
          i32.const 65540
          i32.const 6
          i32.store
          br $folding-inner1
         end
         local.get $2
         i32.const 6
         i32.eq
         local.tee $4
         local.get $2
         i32.const 2
         i32.eq
         i32.or
         if (result i32)
          local.get $3
          i32.const 32
          i32.lt_u
          br_if $folding-inner0
          local.get $4
          if (result i32)
           local.get $6
           i32.load offset=8
           local.set $2
           local.get $1
           if (result i32)
            local.get $2
            i32.const -16711936
            i32.and
            i32.const 8
            i32.rotl
            local.get $2
            i32.const 16711935
            i32.and
            i32.const 8
            i32.rotr
            i32.or
           else
            local.get $2
           end
          else
           local.get $6
           i32.load16_u offset=8
           local.set $2
           local.get $1
           if (result i32)
            local.get $2
            i32.const 8
            i32.shl
            local.get $2
            i32.const 8
            i32.shr_u
            i32.or
           else
            local.get $2
           end
           i32.const 65535
           i32.and
          end
          local.set $5
          local.get $6
          i32.load offset=20
          local.set $2
          local.get $6
          i32.load offset=24
          local.set $4
          local.get $1
          if
           local.get $2
           i32.const -16711936
           i32.and
           i32.const 8
           i32.rotl
           local.get $2
           i32.const 16711935
           i32.and
           i32.const 8
           i32.rotr
           i32.or
           local.set $2
          end
          local.get $3
          i32.const 32
          i32.sub
          local.get $2
          i32.lt_u
          if
           i32.const 65540
           i32.const 5
           i32.store
           br $folding-inner2
          end
          local.get $1
          if
           local.get $4
           i32.const -16711936
           i32.and
           i32.const 8
           i32.rotl
           local.get $4
           i32.const 16711935
           i32.and
           i32.const 8
           i32.rotr
           i32.or
           local.set $4
          end
          local.get $2
          local.get $4
          i32.gt_u
          if
           i32.const 65540
           i32.const 1
           i32.store
           br $folding-inner2
          end
          local.get $5
          global.get $assembly/walk/ifaceCount
          i32.ge_u
          if
           i32.const 65600
           i32.const 65600
           i64.load
           i64.const 1
           i64.add
           i64.store
           i32.const 65704
           i32.const 65704
           i64.load
           i64.const 1
           i64.add
           i64.store
          else
           local.get $2
           i32.const 2097152
           i32.const 262144
           local.get $5
           i32.const 5
           i32.shl
           i32.const 65856
           i32.add
           local.tee $11
           i32.load offset=4
           local.tee $5
           local.get $5
           i32.const 262144
           i32.le_u
           select
           local.tee $5
           local.get $5
           i32.const 2097152
           i32.gt_u
           select
           i32.gt_u
           if
            i32.const 65540
            i32.const 2
            i32.store
            br $folding-inner2
           end
           local.get $6
           i32.load offset=16
           local.set $5
           local.get $6
           i32.load offset=12
           local.set $12
           local.get $1
           if (result i32)
            local.get $5
            i32.const -16711936
            i32.and
            i32.const 8
            i32.rotl
            local.get $5
            i32.const 16711935
            i32.and
            i32.const 8
            i32.rotr
            i32.or
           else
            local.get $5
           end
           i64.extend_i32_u
           local.get $1
           if (result i32)
            local.get $12
            i32.const -16711936
            i32.and
            i32.const 8
            i32.rotl
            local.get $12
            i32.const 16711935
            i32.and
            i32.const 8
            i32.rotr
            i32.or
           else
            local.get $12
           end
           i64.extend_i32_u
           i64.const 32
           i64.shl
           i64.or
           local.set $7
           local.get $11
           i32.load offset=12
           local.set $5
           local.get $11
           i32.load offset=8
           local.tee $12
           if (result i64)
            local.get $12
            i32.const 1
            i32.eq
            if (result i64)
             local.get $7
             local.get $5
             i64.extend_i32_u
             i64.div_u
            else
             local.get $5
             i32.const 34
             i32.gt_u
             if
              local.get $7
              local.get $5
              i32.const 34
              i32.sub
              i64.extend_i32_u
              i64.shr_u
              local.set $7
              i32.const 34
              local.set $5
             end
             local.get $7
             local.get $5
             i64.extend_i32_u
             local.tee $10
             i64.shr_u
             i64.const 1000000000
             i64.mul
             i64.const 1
             local.get $10
             i64.shl
             i64.const 1
             i64.sub
             local.get $7
             i64.and
             i64.const 1000000000
             i64.mul
             local.get $10
             i64.shr_u
             i64.add
            end
           else
            local.get $7
            local.get $5
            i64.extend_i32_u
            i64.mul
           end
           local.get $11
           i64.load offset=16
           i64.add
           local.tee $7
           global.set $assembly/walk/lastTs
           local.get $7
           local.get $4
           local.get $2
           local.get $11
           i32.load offset=24
           i32.const 0
           local.get $11
           i32.load
           i32.const 0
           i32.const 0
           local.get $6
           i32.const 28
           i32.add
           call $assembly/meter/processPacket
          end
          local.get $9
          i32.const 1
          i32.add
         else
          local.get $2
          i32.const 3
          i32.eq
          if (result i32)
           local.get $3
           i32.const 16
           i32.lt_u
           br_if $folding-inner0
           local.get $6
           i32.load offset=8
           local.set $2
           local.get $1
           if
            local.get $2
            i32.const -16711936
            i32.and
            i32.const 8
            i32.rotl
            local.get $2
            i32.const 16711935
            i32.and
            i32.const 8
            i32.rotr
            i32.or
            local.set $2
           end
           global.get $assembly/walk/ifaceCount
           if
            global.get $assembly/walk/lastTs
            local.get $2
            local.get $3
            i32.const 16
            i32.sub
            local.tee $4
            local.get $2
            i32.le_u
            if
             local.get $4
             local.set $2
            end
            i32.const 65860
            i32.load
            local.tee $5
            local.get $2
            local.get $2
            local.get $5
            i32.gt_u
            i32.const 0
            local.get $5
            select
            select
            i32.const 65880
            i32.load
            i32.const 0
            i32.const 65856
            i32.load
            i32.const 0
            i32.const 0
            local.get $6
            i32.const 12
            i32.add
            call $assembly/meter/processPacket
           else
            i32.const 65600
            i32.const 65600
            i64.load
            i64.const 1
            i64.add
            i64.store
            i32.const 65704
            i32.const 65704
            i64.load
            i64.const 1
            i64.add
            i64.store
           end
           local.get $9
           i32.const 1
           i32.add
          else
           local.get $9
          end
         end
         local.set $9
         local.get $3
         local.get $8
         i32.add
         local.set $8
         br $while-continue|0
        end
       end
       i32.const 65536
       i32.const 0
       i32.store
       i32.const 65548
       local.get $9
       i32.store
       local.get $8
       return
      end
      i32.const 65540
      i32.const 3
      i32.store
     end
     i32.const 65544
     local.get $3
     i32.store
     br $folding-inner3
    end
    i32.const 65544
    local.get $2
    i32.store
   end
   i32.const 65536
   i32.const 3
   i32.store
  end
  i32.const 65548
  local.get $9
  i32.store
  local.get $8
 )
 (func $assembly/parse/parsePacket (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32) (param $7 i32) (result i32)
  (local $8 i32)
  local.get $4
  global.set $assembly/parse/pIfindex
  local.get $5
  global.set $assembly/parse/pPkttype
  i32.const 76096
  i64.const 0
  i64.store
  i32.const 76104
  i64.const 0
  i64.store
  i32.const 76112
  i64.const 0
  i64.store
  i32.const 76120
  i64.const 0
  i64.store
  i32.const 76128
  i64.const 0
  i64.store
  i32.const 76136
  i64.const 0
  i64.store
  i32.const 0
  global.set $assembly/parse/pTcpFlags
  local.get $7
  if
   local.get $6
   i32.const 4095
   i32.and
   i32.const 32768
   i32.or
   local.set $4
   i32.const 76140
   i32.load16_u
   if
    i32.const 76142
    i32.load16_u
    i32.eqz
    if
     i32.const 76142
     local.get $4
     i32.store16
    end
   else
    i32.const 76140
    local.get $4
    i32.store16
   end
  end
  i32.const 0
  local.set $4
  block $folding-inner1
   block $folding-inner0
    local.get $3
    i32.const 1
    i32.eq
    if
     local.get $1
     i32.const 14
     i32.lt_u
     br_if $folding-inner0
     local.get $0
     i32.load16_u offset=12
     local.tee $4
     i32.const 8
     i32.shl
     local.get $4
     i32.const 8
     i32.shr_u
     i32.or
     i32.const 65535
     i32.and
     local.set $5
     i32.const 14
     local.set $4
    else
     local.get $3
     i32.const 113
     i32.eq
     if
      local.get $1
      i32.const 16
      i32.lt_u
      br_if $folding-inner0
      local.get $0
      i32.load16_u
      local.tee $4
      i32.const 8
      i32.shl
      local.get $4
      i32.const 8
      i32.shr_u
      i32.or
      i32.const 65535
      i32.and
      global.set $assembly/parse/pPkttype
      local.get $0
      i32.load16_u offset=14
      local.tee $4
      i32.const 8
      i32.shl
      local.get $4
      i32.const 8
      i32.shr_u
      i32.or
      i32.const 65535
      i32.and
      local.set $5
      i32.const 16
      local.set $4
     else
      local.get $3
      i32.const 276
      i32.eq
      if
       local.get $1
       i32.const 20
       i32.lt_u
       br_if $folding-inner0
       local.get $0
       i32.load16_u
       local.tee $4
       i32.const 8
       i32.shl
       local.get $4
       i32.const 8
       i32.shr_u
       i32.or
       i32.const 65535
       i32.and
       local.set $5
       local.get $0
       i32.load offset=4
       local.tee $4
       i32.const -16711936
       i32.and
       i32.const 8
       i32.rotl
       local.get $4
       i32.const 16711935
       i32.and
       i32.const 8
       i32.rotr
       i32.or
       global.set $assembly/parse/pIfindex
       local.get $0
       i32.load8_u offset=10
       global.set $assembly/parse/pPkttype
       i32.const 20
       local.set $4
      else
       local.get $3
       i32.const 12
       i32.eq
       local.get $3
       i32.const 101
       i32.eq
       i32.or
       local.get $3
       i32.const 14
       i32.eq
       i32.or
       if (result i32)
        i32.const 65537
       else
        local.get $3
        i32.const 228
        i32.eq
        if (result i32)
         i32.const 2048
        else
         local.get $3
         i32.const 229
         i32.eq
         if (result i32)
          i32.const 34525
         else
          local.get $3
          i32.const 9
          i32.eq
          if (result i32)
           i32.const 65536
          else
           local.get $3
           i32.const 108
           i32.eq
           local.tee $5
           local.get $3
           i32.eqz
           i32.or
           if (result i32)
            local.get $1
            i32.const 4
            i32.lt_u
            br_if $folding-inner0
            i32.const 4
            local.set $4
            local.get $5
            if (result i32)
             local.get $0
             i32.load
             local.tee $5
             i32.const -16711936
             i32.and
             i32.const 8
             i32.rotl
             local.get $5
             i32.const 16711935
             i32.and
             i32.const 8
             i32.rotr
             i32.or
            else
             local.get $0
             i32.load
            end
            local.tee $5
            i32.const 65535
            i32.gt_u
            if
             local.get $5
             i32.const -16711936
             i32.and
             i32.const 8
             i32.rotl
             local.get $5
             i32.const 16711935
             i32.and
             i32.const 8
             i32.rotr
             i32.or
             local.set $5
            end
            local.get $5
            i32.const 2
            i32.eq
            if (result i32)
             i32.const 2048
            else
             local.get $5
             i32.const 24
             i32.eq
             local.get $5
             i32.const 10
             i32.eq
             i32.or
             local.get $5
             i32.const 28
             i32.eq
             i32.or
             local.get $5
             i32.const 30
             i32.eq
             i32.or
             i32.eqz
             br_if $folding-inner1
             i32.const 34525
            end
           else
            i32.const 6
            return
           end
          end
         end
        end
       end
       local.set $5
      end
     end
    end
    i32.const 0
    local.set $6
    loop $for-loop|0
     local.get $6
     i32.const 64
     i32.lt_s
     if
      local.get $5
      i32.const 34525
      i32.eq
      local.get $5
      i32.const 2048
      i32.eq
      i32.or
      i32.eqz
      if
       local.get $5
       i32.const 34984
       i32.eq
       local.get $5
       i32.const 33024
       i32.eq
       i32.or
       local.get $5
       i32.const 37120
       i32.eq
       i32.or
       if
        local.get $4
        i32.const 4
        i32.add
        local.get $1
        i32.gt_u
        br_if $folding-inner0
        local.get $0
        local.get $4
        i32.add
        i32.load16_u
        local.tee $5
        i32.const 8
        i32.shl
        local.get $5
        i32.const 8
        i32.shr_u
        i32.or
        i32.const 4095
        i32.and
        i32.const 32768
        i32.or
        local.set $5
        i32.const 76140
        i32.load16_u
        if
         i32.const 76142
         i32.load16_u
         i32.eqz
         if
          i32.const 76142
          local.get $5
          i32.store16
         end
        else
         i32.const 76140
         local.get $5
         i32.store16
        end
        local.get $0
        local.get $4
        i32.add
        i32.load16_u offset=2
        local.tee $5
        i32.const 8
        i32.shl
        local.get $5
        i32.const 8
        i32.shr_u
        i32.or
        i32.const 65535
        i32.and
        local.set $5
        local.get $4
        i32.const 4
        i32.add
        local.set $4
       else
        local.get $5
        i32.const 34888
        i32.eq
        local.get $5
        i32.const 34887
        i32.eq
        i32.or
        if
         i32.const 0
         local.set $5
         loop $while-continue|1
          local.get $5
          i32.eqz
          if
           local.get $4
           i32.const 4
           i32.add
           local.tee $7
           local.get $1
           i32.gt_u
           br_if $folding-inner0
           local.get $0
           local.get $4
           i32.add
           i32.load
           local.tee $4
           i32.const -16711936
           i32.and
           i32.const 8
           i32.rotl
           local.get $4
           i32.const 16711935
           i32.and
           i32.const 8
           i32.rotr
           i32.or
           i32.const 256
           i32.and
           local.set $5
           local.get $7
           local.set $4
           br $while-continue|1
          end
         end
         i32.const 65537
         local.set $5
        else
         local.get $5
         i32.const 34916
         i32.eq
         if
          local.get $4
          i32.const 6
          i32.add
          local.tee $4
          local.get $1
          i32.gt_u
          br_if $folding-inner0
          i32.const 65536
          local.set $5
         else
          local.get $5
          i32.const 65536
          i32.eq
          if
           local.get $4
           i32.const 2
           i32.add
           local.tee $5
           local.get $1
           i32.gt_u
           br_if $folding-inner0
           local.get $5
           local.get $4
           local.get $0
           local.get $4
           i32.add
           local.tee $4
           i32.load8_u
           i32.const 255
           i32.eq
           if (result i32)
            local.get $4
            i32.load8_u offset=1
            i32.const 3
            i32.eq
           else
            i32.const 0
           end
           select
           local.tee $8
           i32.const 1
           i32.add
           local.tee $4
           local.get $1
           i32.gt_u
           br_if $folding-inner0
           local.get $0
           local.get $8
           i32.add
           local.tee $7
           i32.load8_u
           local.tee $5
           i32.const 1
           i32.and
           i32.eqz
           if
            local.get $8
            i32.const 2
            i32.add
            local.tee $4
            local.get $1
            i32.gt_u
            br_if $folding-inner0
            local.get $7
            i32.load16_u
            local.tee $5
            i32.const 8
            i32.shl
            local.get $5
            i32.const 8
            i32.shr_u
            i32.or
            i32.const 65535
            i32.and
            local.set $5
           end
           local.get $5
           i32.const 33
           i32.eq
           if (result i32)
            i32.const 2048
           else
            local.get $5
            i32.const 87
            i32.eq
            if (result i32)
             i32.const 34525
            else
             local.get $5
             i32.const 643
             i32.eq
             local.get $5
             i32.const 641
             i32.eq
             i32.or
             i32.eqz
             br_if $folding-inner1
             i32.const 34887
            end
           end
           local.set $5
          else
           local.get $5
           i32.const 65537
           i32.eq
           if
            local.get $4
            i32.const 1
            i32.add
            local.get $1
            i32.gt_u
            if
             i32.const 7
             return
            end
            local.get $0
            local.get $4
            i32.add
            i32.load8_u
            i32.const 4
            i32.shr_u
            local.tee $5
            i32.const 4
            i32.eq
            if (result i32)
             i32.const 2048
            else
             local.get $5
             i32.const 6
             i32.ne
             if
              i32.const 2
              i32.const 8
              local.get $3
              i32.const 113
              i32.eq
              local.get $3
              i32.const 1
              i32.eq
              i32.or
              local.get $3
              i32.const 276
              i32.eq
              i32.or
              select
              return
             end
             i32.const 34525
            end
            local.set $5
           else
            local.get $5
            i32.const 1536
            i32.ge_u
            br_if $folding-inner1
            local.get $4
            i32.const 8
            i32.add
            local.get $1
            i32.gt_u
            br_if $folding-inner1
            local.get $0
            local.get $4
            i32.add
            i32.load8_u
            i32.const 170
            i32.ne
            if (result i32)
             i32.const 1
            else
             local.get $0
             local.get $4
             i32.add
             i32.load8_u offset=1
             i32.const 170
             i32.ne
            end
            if (result i32)
             i32.const 1
            else
             local.get $0
             local.get $4
             i32.add
             i32.load8_u offset=2
             i32.const 3
             i32.ne
            end
            br_if $folding-inner1
            local.get $0
            local.get $4
            i32.add
            i32.load16_u offset=6
            local.tee $5
            i32.const 8
            i32.shl
            local.get $5
            i32.const 8
            i32.shr_u
            i32.or
            i32.const 65535
            i32.and
            local.set $5
            local.get $4
            i32.const 8
            i32.add
            local.set $4
           end
          end
         end
        end
       end
       local.get $6
       i32.const 1
       i32.add
       local.set $6
       br $for-loop|0
      end
     end
    end
    local.get $5
    i32.const 2048
    i32.eq
    if
     local.get $0
     local.get $4
     local.get $1
     local.get $2
     call $assembly/parse/parseIPv4
     return
    end
    local.get $5
    i32.const 34525
    i32.eq
    if
     local.get $0
     local.get $4
     local.get $1
     local.get $2
     call $assembly/parse/parseIPv6
     return
    end
    br $folding-inner1
   end
   i32.const 5
   return
  end
  i32.const 2
 )
 (func $assembly/parse/parseIPv6 (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (result i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  local.get $1
  i32.const 40
  i32.add
  local.get $2
  i32.gt_u
  if
   i32.const 7
   return
  end
  local.get $0
  local.get $1
  i32.add
  local.tee $4
  i32.load
  local.tee $5
  i32.const -16711936
  i32.and
  i32.const 8
  i32.rotl
  local.get $5
  i32.const 16711935
  i32.and
  i32.const 8
  i32.rotr
  i32.or
  local.tee $5
  i32.const 28
  i32.shr_u
  i32.const 6
  i32.ne
  if
   i32.const 8
   return
  end
  local.get $4
  i32.load16_u offset=4
  local.tee $6
  i32.const 8
  i32.shl
  local.get $6
  i32.const 8
  i32.shr_u
  i32.or
  i32.const 65535
  i32.and
  local.tee $6
  i32.eqz
  local.get $6
  i32.const 40
  i32.add
  local.get $3
  local.get $1
  i32.sub
  i32.gt_u
  i32.or
  if
   i32.const 10
   return
  end
  i32.const 6
  global.set $assembly/parse/pVersion
  local.get $6
  i32.const 40
  i32.add
  global.set $assembly/parse/pBytes
  local.get $4
  i32.load8_u offset=7
  global.set $assembly/parse/pTtl
  i32.const 76133
  local.get $5
  i32.const 20
  i32.shr_u
  i32.store8
  i32.const 76134
  i32.const 6
  i32.store8
  i32.const 76096
  local.get $4
  i32.const 8
  i32.add
  i32.const 32
  memory.copy
  local.get $4
  i32.load8_u offset=6
  local.set $3
  local.get $1
  i32.const 40
  i32.add
  local.set $1
  loop $while-continue|0
   block $while-break|0
    local.get $3
    i32.eqz
    local.get $3
    i32.const 43
    i32.eq
    i32.or
    local.get $3
    i32.const 60
    i32.eq
    i32.or
    if
     local.get $1
     i32.const 2
     i32.add
     local.get $2
     i32.gt_u
     if
      i32.const 12
      return
     end
     local.get $0
     local.get $1
     i32.add
     local.tee $4
     i32.load8_u
     local.set $3
     local.get $1
     local.get $4
     i32.load8_u offset=1
     i32.const 1
     i32.add
     i32.const 3
     i32.shl
     i32.add
     local.set $1
    else
     local.get $3
     i32.const 51
     i32.eq
     if
      local.get $1
      i32.const 2
      i32.add
      local.get $2
      i32.gt_u
      if
       i32.const 12
       return
      end
      local.get $0
      local.get $1
      i32.add
      local.tee $4
      i32.load8_u
      local.set $3
      local.get $1
      local.get $4
      i32.load8_u offset=1
      i32.const 2
      i32.add
      i32.const 2
      i32.shl
      i32.add
      local.set $1
     else
      local.get $3
      i32.const 44
      i32.eq
      if
       local.get $1
       i32.const 4
       i32.add
       local.get $2
       i32.gt_u
       if
        i32.const 12
        return
       end
       local.get $0
       local.get $1
       i32.add
       local.tee $4
       i32.load8_u
       local.set $3
       local.get $1
       i32.const 8
       i32.add
       local.set $1
       local.get $4
       i32.load16_u offset=2
       local.tee $4
       i32.const 8
       i32.shl
       local.get $4
       i32.const 8
       i32.shr_u
       i32.or
       i32.const 65528
       i32.and
       if
        i32.const 76132
        local.get $3
        i32.store8
        i32.const 65535
        return
       end
      else
       br $while-break|0
      end
     end
    end
    br $while-continue|0
   end
  end
  i32.const 76132
  local.get $3
  i32.store8
  block $assembly/parse/parseTransport|inlined.1 (result i32)
   local.get $3
   i32.const 6
   i32.eq
   local.tee $4
   local.get $3
   i32.const 17
   i32.eq
   i32.or
   local.get $3
   i32.const 136
   i32.eq
   i32.or
   local.get $3
   i32.const 132
   i32.eq
   i32.or
   if
    i32.const 11
    local.get $1
    i32.const 4
    i32.add
    local.get $2
    i32.gt_u
    br_if $assembly/parse/parseTransport|inlined.1
    drop
    i32.const 76128
    local.get $0
    local.get $1
    i32.add
    local.tee $0
    i32.load
    i32.store
    i32.const 76128
    i32.const 76128
    i32.load
    local.tee $3
    i32.const 8
    i32.shl
    local.get $3
    i32.const 65535
    i32.and
    i32.const 8
    i32.shr_u
    i32.or
    i32.store16
    i32.const 76130
    local.get $3
    i32.const 16
    i32.shr_u
    local.tee $3
    i32.const 8
    i32.shl
    local.get $3
    i32.const 8
    i32.shr_u
    i32.or
    i32.store16
    local.get $4
    local.get $1
    i32.const 14
    i32.add
    local.get $2
    i32.le_u
    i32.and
    if
     local.get $0
     i32.load8_u offset=13
     global.set $assembly/parse/pTcpFlags
    end
   else
    local.get $3
    i32.const 58
    i32.eq
    local.get $1
    i32.const 2
    i32.add
    local.get $2
    i32.le_u
    i32.and
    if
     i32.const 76130
     local.get $0
     local.get $1
     i32.add
     i32.load16_u
     local.tee $0
     i32.const 8
     i32.shl
     local.get $0
     i32.const 8
     i32.shr_u
     i32.or
     i32.store16
    end
   end
   i32.const 65535
  end
 )
 (func $assembly/parse/parseIPv4 (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (result i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  local.get $1
  i32.const 20
  i32.add
  local.get $2
  i32.gt_u
  if
   i32.const 7
   return
  end
  local.get $0
  local.get $1
  i32.add
  local.tee $4
  i32.load8_u
  local.tee $5
  i32.const 4
  i32.shr_u
  i32.const 4
  i32.ne
  if
   i32.const 8
   return
  end
  local.get $5
  i32.const 15
  i32.and
  i32.const 2
  i32.shl
  local.tee $5
  i32.const 20
  i32.lt_u
  if
   i32.const 9
   return
  end
  local.get $4
  i32.load16_u offset=2
  local.tee $6
  i32.const 8
  i32.shl
  local.get $6
  i32.const 8
  i32.shr_u
  i32.or
  i32.const 65535
  i32.and
  local.tee $6
  local.get $3
  local.get $1
  i32.sub
  i32.gt_u
  local.get $5
  local.get $6
  i32.gt_u
  i32.or
  if
   i32.const 10
   return
  end
  local.get $1
  local.get $5
  i32.add
  local.get $2
  i32.gt_u
  if
   i32.const 7
   return
  end
  i32.const 4
  global.set $assembly/parse/pVersion
  local.get $6
  global.set $assembly/parse/pBytes
  local.get $4
  i32.load8_u offset=8
  global.set $assembly/parse/pTtl
  i32.const 76132
  local.get $4
  i32.load8_u offset=9
  local.tee $3
  i32.store8
  i32.const 76133
  local.get $4
  i32.load8_u offset=1
  i32.store8
  i32.const 76134
  i32.const 4
  i32.store8
  i32.const 76096
  local.get $4
  i32.load offset=12
  i32.store
  i32.const 76112
  local.get $4
  i32.load offset=16
  i32.store
  local.get $4
  i32.load16_u offset=6
  local.tee $4
  i32.const 8
  i32.shl
  local.get $4
  i32.const 8
  i32.shr_u
  i32.or
  i32.const 8191
  i32.and
  if
   i32.const 65535
   return
  end
  local.get $1
  local.get $5
  i32.add
  local.set $1
  block $assembly/parse/parseTransport|inlined.0 (result i32)
   local.get $3
   i32.const 6
   i32.eq
   local.tee $4
   local.get $3
   i32.const 17
   i32.eq
   i32.or
   local.get $3
   i32.const 136
   i32.eq
   i32.or
   local.get $3
   i32.const 132
   i32.eq
   i32.or
   if
    i32.const 11
    local.get $1
    i32.const 4
    i32.add
    local.get $2
    i32.gt_u
    br_if $assembly/parse/parseTransport|inlined.0
    drop
    i32.const 76128
    local.get $0
    local.get $1
    i32.add
    local.tee $0
    i32.load
    i32.store
    i32.const 76128
    i32.const 76128
    i32.load
    local.tee $3
    i32.const 8
    i32.shl
    local.get $3
    i32.const 65535
    i32.and
    i32.const 8
    i32.shr_u
    i32.or
    i32.store16
    i32.const 76130
    local.get $3
    i32.const 16
    i32.shr_u
    local.tee $3
    i32.const 8
    i32.shl
    local.get $3
    i32.const 8
    i32.shr_u
    i32.or
    i32.store16
    local.get $4
    local.get $1
    i32.const 14
    i32.add
    local.get $2
    i32.le_u
    i32.and
    if
     local.get $0
     i32.load8_u offset=13
     global.set $assembly/parse/pTcpFlags
    end
   else
    local.get $3
    i32.const 1
    i32.eq
    local.get $1
    i32.const 2
    i32.add
    local.get $2
    i32.le_u
    i32.and
    if
     i32.const 76130
     local.get $0
     local.get $1
     i32.add
     i32.load16_u
     local.tee $0
     i32.const 8
     i32.shl
     local.get $0
     i32.const 8
     i32.shr_u
     i32.or
     i32.store16
    end
   end
   i32.const 65535
  end
 )
 (func $assembly/json/jsonFlow (param $0 i32) (param $1 i32) (param $2 i32) (result i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  local.get $0
  i32.const 4274560
  i32.add
  local.set $3
  local.get $1
  i32.load8_u offset=36
  local.set $4
  local.get $1
  i32.load8_u offset=38
  i32.const 6
  i32.eq
  local.tee $5
  i32.eqz
  local.tee $0
  if
   local.get $4
   i32.const 1
   i32.eq
   local.set $0
  end
  local.get $0
  i32.eqz
  if
   local.get $4
   i32.const 58
   i32.eq
   local.get $5
   i32.and
   local.set $0
  end
  i32.const 76416
  i32.load
  local.tee $6
  i32.const 16
  i32.shr_u
  local.set $7
  local.get $3
  local.get $6
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $7
  memory.copy
  local.get $3
  local.get $7
  i32.add
  local.get $1
  i64.load offset=48
  call $assembly/json/dec64
  local.set $3
  i32.const 76420
  i32.load
  local.tee $6
  i32.const 16
  i32.shr_u
  local.set $7
  local.get $3
  local.get $6
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $7
  memory.copy
  local.get $3
  local.get $7
  i32.add
  local.get $1
  i64.load offset=56
  call $assembly/json/dec64
  local.set $3
  i32.const 76424
  i32.load
  local.tee $6
  i32.const 16
  i32.shr_u
  local.set $7
  local.get $3
  local.get $6
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $7
  memory.copy
  local.get $3
  local.get $7
  i32.add
  i32.const 34525
  i32.const 2048
  local.get $5
  select
  call $assembly/json/dec32
  local.set $3
  i32.const 76428
  i32.load
  local.tee $6
  i32.const 16
  i32.shr_u
  local.set $7
  local.get $3
  local.get $6
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $7
  memory.copy
  local.get $3
  local.get $7
  i32.add
  local.get $4
  call $assembly/json/dec32
  local.set $3
  i32.const 76432
  i32.load
  local.tee $4
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $4
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.set $3
  local.get $5
  if (result i32)
   local.get $3
   local.get $1
   call $assembly/json/ipv6
  else
   local.get $3
   local.get $1
   call $assembly/json/ipv4
  end
  local.set $3
  i32.const 76436
  i32.load
  local.tee $4
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $4
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.set $3
  local.get $5
  if (result i32)
   local.get $3
   local.get $1
   i32.const 16
   i32.add
   call $assembly/json/ipv6
  else
   local.get $3
   local.get $1
   i32.const 16
   i32.add
   call $assembly/json/ipv4
  end
  local.set $3
  i32.const 76440
  i32.load
  local.tee $4
  i32.const 16
  i32.shr_u
  local.set $5
  local.get $3
  local.get $4
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $5
  memory.copy
  local.get $1
  i32.load16_u offset=34
  local.set $4
  local.get $3
  local.get $5
  i32.add
  local.get $0
  if (result i32)
   i32.const 0
  else
   local.get $1
   i32.load16_u offset=32
  end
  call $assembly/json/dec32
  local.set $3
  i32.const 76444
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  i32.const 0
  local.get $4
  local.get $0
  select
  call $assembly/json/dec32
  local.set $3
  i32.const 76448
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.load offset=40
  call $assembly/json/dec32
  local.set $3
  i32.const 76452
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.const -64
  i32.sub
  i64.load
  call $assembly/json/dec64
  local.set $3
  i32.const 76456
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i64.load offset=72
  call $assembly/json/dec64
  local.set $3
  i32.const 76460
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.load8_u offset=80
  call $assembly/json/dec32
  local.set $3
  i32.const 76464
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.load8_u offset=37
  call $assembly/json/dec32
  local.set $3
  i32.const 76468
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.load8_u offset=81
  call $assembly/json/dec32
  local.set $3
  i32.const 76472
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.load8_u offset=82
  call $assembly/json/dec32
  local.set $3
  i32.const 76476
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.load16_u offset=44
  i32.const -32769
  i32.and
  call $assembly/json/dec32
  local.set $3
  i32.const 76480
  i32.load
  local.tee $5
  i32.const 16
  i32.shr_u
  local.set $6
  local.get $3
  local.get $5
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $6
  memory.copy
  local.get $3
  local.get $6
  i32.add
  local.get $1
  i32.load16_u offset=46
  i32.const -32769
  i32.and
  call $assembly/json/dec32
  local.set $1
  i32.const 76484
  i32.load
  local.tee $3
  i32.const 16
  i32.shr_u
  local.set $5
  local.get $1
  local.get $3
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $5
  memory.copy
  local.get $1
  local.get $5
  i32.add
  local.get $4
  i32.const 8
  i32.shr_u
  i32.const 0
  local.get $0
  select
  call $assembly/json/dec32
  local.set $1
  i32.const 76488
  i32.load
  local.tee $3
  i32.const 16
  i32.shr_u
  local.set $5
  local.get $1
  local.get $3
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $5
  memory.copy
  local.get $1
  local.get $5
  i32.add
  local.get $4
  i32.const 255
  i32.and
  i32.const 0
  local.get $0
  select
  call $assembly/json/dec32
  local.set $0
  i32.const 76492
  i32.load
  local.tee $1
  i32.const 16
  i32.shr_u
  local.set $3
  local.get $0
  local.get $1
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $3
  memory.copy
  local.get $0
  local.get $3
  i32.add
  local.get $2
  call $assembly/json/dec32
  local.set $0
  i32.const 76496
  i32.load
  local.tee $1
  i32.const 16
  i32.shr_u
  local.set $2
  local.get $0
  local.get $1
  i32.const 65535
  i32.and
  i32.const 76672
  i32.add
  local.get $2
  memory.copy
  local.get $0
  local.get $2
  i32.add
  i32.const 4274560
  i32.sub
 )
 (func $assembly/index/walkPcapng (param $0 i32) (param $1 i32) (result i32)
  local.get $0
  local.get $1
  i32.const 0
  i32.ne
  call $assembly/walk/walkPcapng
 )
 (func $assembly/index/walkPcap (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (result i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i64)
  (local $10 i32)
  (local $11 i32)
  local.get $0
  local.set $5
  local.get $1
  i32.const 0
  i32.ne
  local.set $7
  i32.const 2097152
  i32.const 262144
  local.get $4
  local.get $4
  i32.const 262144
  i32.le_u
  select
  local.tee $0
  local.get $0
  i32.const 2097152
  i32.gt_u
  select
  local.set $8
  i64.const 1
  i64.const 1000
  local.get $2
  select
  local.set $9
  i32.const 0
  local.set $0
  block $__inlined_func$assembly/walk/walkPcap$1
   block $folding-inner0
    loop $while-continue|0
     block $while-break|0
      global.get $assembly/meter/outPos
      global.get $assembly/meter/packetReserve
      i32.add
      i32.const 1024
      i32.add
      i32.const 1048576
      i32.gt_u
      if
       i32.const 65536
       i32.const 1
       i32.store
       br $__inlined_func$assembly/walk/walkPcap$1
      end
      local.get $0
      i32.const 16
      i32.add
      local.get $5
      i32.gt_u
      br_if $while-break|0
      local.get $0
      i32.const 80256
      i32.add
      local.tee $4
      i32.load offset=8
      local.set $1
      local.get $7
      if
       local.get $1
       i32.const -16711936
       i32.and
       i32.const 8
       i32.rotl
       local.get $1
       i32.const 16711935
       i32.and
       i32.const 8
       i32.rotr
       i32.or
       local.set $1
      end
      local.get $4
      i32.load offset=12
      local.set $2
      local.get $7
      if
       local.get $2
       i32.const -16711936
       i32.and
       i32.const 8
       i32.rotl
       local.get $2
       i32.const 16711935
       i32.and
       i32.const 8
       i32.rotr
       i32.or
       local.set $2
      end
      local.get $1
      local.get $8
      i32.gt_u
      if
       i32.const 65540
       i32.const 2
       i32.store
       br $folding-inner0
      end
      local.get $1
      local.get $2
      i32.gt_u
      if
       i32.const 65540
       i32.const 1
       i32.store
       br $folding-inner0
      end
      local.get $0
      i32.const 16
      i32.add
      local.get $1
      i32.add
      local.get $5
      i32.gt_u
      br_if $while-break|0
      local.get $4
      i32.load
      local.set $10
      local.get $4
      i32.load offset=4
      local.set $11
      local.get $7
      if (result i32)
       local.get $10
       i32.const -16711936
       i32.and
       i32.const 8
       i32.rotl
       local.get $10
       i32.const 16711935
       i32.and
       i32.const 8
       i32.rotr
       i32.or
      else
       local.get $10
      end
      i64.extend_i32_u
      i64.const 1000000000
      i64.mul
      local.get $7
      if (result i32)
       local.get $11
       i32.const -16711936
       i32.and
       i32.const 8
       i32.rotl
       local.get $11
       i32.const 16711935
       i32.and
       i32.const 8
       i32.rotr
       i32.or
      else
       local.get $11
      end
      i64.extend_i32_u
      local.get $9
      i64.mul
      i64.add
      local.get $2
      local.get $1
      i32.const 0
      i32.const 0
      local.get $3
      i32.const 0
      i32.const 0
      local.get $4
      i32.const 16
      i32.add
      call $assembly/meter/processPacket
      local.get $0
      local.get $1
      i32.const 16
      i32.add
      i32.add
      local.set $0
      local.get $6
      i32.const 1
      i32.add
      local.set $6
      br $while-continue|0
     end
    end
    i32.const 65536
    i32.const 0
    i32.store
    br $__inlined_func$assembly/walk/walkPcap$1
   end
   i32.const 65544
   local.get $1
   i32.store
   i32.const 65536
   i32.const 3
   i32.store
  end
  i32.const 65548
  local.get $6
  i32.store
  local.get $0
 )
 (func $assembly/index/walkBatch (param $0 i32) (result i32)
  (local $1 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  block $__inlined_func$assembly/walk/walkBatch$61
   loop $while-continue|0
    local.get $0
    local.get $2
    i32.gt_u
    if
     global.get $assembly/meter/outPos
     global.get $assembly/meter/packetReserve
     i32.add
     i32.const 1024
     i32.add
     i32.const 1048576
     i32.gt_u
     if
      i32.const 65536
      i32.const 1
      i32.store
      br $__inlined_func$assembly/walk/walkBatch$61
     end
     local.get $3
     i32.const 80256
     i32.add
     local.tee $1
     i32.load offset=8
     local.set $4
     local.get $1
     i64.load
     local.get $4
     local.get $4
     local.get $1
     i32.load offset=12
     local.tee $5
     local.get $4
     local.get $5
     i32.lt_u
     select
     local.get $1
     i32.load offset=16
     local.get $1
     i32.load8_u offset=20
     local.get $1
     i32.load16_u offset=22
     local.get $1
     i32.load16_u offset=24
     local.get $1
     i32.load16_u offset=26
     local.get $1
     i32.const 32
     i32.add
     call $assembly/meter/processPacket
     local.get $3
     local.get $5
     i32.const 7
     i32.add
     i32.const -8
     i32.and
     i32.const 32
     i32.add
     i32.add
     local.set $3
     local.get $2
     i32.const 1
     i32.add
     local.set $2
     br $while-continue|0
    end
   end
   i32.const 65536
   i32.const 0
   i32.store
  end
  i32.const 65548
  local.get $2
  i32.store
  local.get $3
 )
 (func $assembly/index/setInterfaceCount (param $0 i32)
  local.get $0
  global.set $assembly/walk/ifaceCount
 )
 (func $assembly/index/outputReset
  i32.const 0
  global.set $assembly/meter/outPos
 )
 (func $assembly/index/outputLength (result i32)
  global.get $assembly/meter/outPos
 )
 (func $assembly/index/init (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i64)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i64)
  (local $9 i64)
  (local $10 i64)
  (local $11 i64)
  block $__inlined_func$assembly/heap/heapInit$9 (result i32)
   memory.size
   i32.const 16
   i32.shl
   local.tee $3
   i32.const 5323136
   i32.lt_u
   if
    i32.const 0
    i32.const 5388671
    local.get $3
    i32.sub
    i32.const 16
    i32.shr_u
    memory.grow
    i32.const 0
    i32.lt_s
    br_if $__inlined_func$assembly/heap/heapInit$9
    drop
   end
   i32.const 5323136
   global.set $assembly/heap/heapTop
   i32.const 65560
   i32.const 5323136
   i32.store
   i32.const 1
  end
  i32.eqz
  if
   i32.const 1
   return
  end
  loop $for-loop|0
   local.get $2
   i32.const 100
   i32.lt_s
   if
    local.get $2
    i32.const 1
    i32.shl
    local.tee $3
    i32.const 76160
    i32.add
    local.get $2
    i32.const 10
    i32.div_s
    i32.const 48
    i32.add
    i32.store8
    local.get $3
    i32.const 76161
    i32.add
    local.get $2
    i32.const 10
    i32.rem_s
    i32.const 48
    i32.add
    i32.store8
    local.get $2
    i32.const 1
    i32.add
    local.set $2
    br $for-loop|0
   end
  end
  i32.const 0
  local.set $2
  loop $for-loop|1
   local.get $2
   i32.const 16
   i32.lt_s
   if
    local.get $2
    i32.const 76360
    i32.add
    local.get $2
    i32.const 48
    i32.add
    local.get $2
    i32.const 87
    i32.add
    local.get $2
    i32.const 10
    i32.lt_s
    select
    i32.store8
    local.get $2
    i32.const 1
    i32.add
    local.set $2
    br $for-loop|1
   end
  end
  i32.const 76672
  local.set $5
  i32.const 0
  local.set $2
  loop $for-loop|2
   local.get $2
   i32.const 2236
   i32.load
   local.tee $3
   i32.lt_s
   if
    local.get $2
    local.get $3
    i32.ge_u
    if
     unreachable
    end
    i32.const 2228
    i32.load
    local.get $2
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.tee $7
    i32.eqz
    if
     unreachable
    end
    local.get $2
    i32.const 2
    i32.shl
    local.tee $3
    i32.const 76416
    i32.add
    local.get $5
    i32.const 76672
    i32.sub
    i32.store16
    local.get $3
    i32.const 76418
    i32.add
    local.get $7
    i32.const 20
    i32.sub
    i32.load offset=16
    i32.const 1
    i32.shr_u
    i32.store16
    i32.const 0
    local.set $3
    loop $for-loop|3
     local.get $7
     i32.const 20
     i32.sub
     i32.load offset=16
     i32.const 1
     i32.shr_u
     local.tee $6
     local.get $3
     i32.gt_s
     if
      local.get $3
      local.get $5
      i32.add
      local.get $3
      local.get $6
      i32.ge_u
      if (result i32)
       i32.const -1
      else
       local.get $7
       local.get $3
       i32.const 1
       i32.shl
       i32.add
       i32.load16_u
      end
      i32.store8
      local.get $3
      i32.const 1
      i32.add
      local.set $3
      br $for-loop|3
     end
    end
    local.get $5
    local.get $7
    i32.const 20
    i32.sub
    i32.load offset=16
    i32.const 1
    i32.shr_u
    i32.add
    local.set $5
    local.get $2
    i32.const 1
    i32.add
    local.set $2
    br $for-loop|2
   end
  end
  local.get $0
  i64.extend_i32_u
  local.get $1
  i64.extend_i32_u
  i64.const 32
  i64.shl
  i64.or
  local.tee $8
  i64.const 2611923443488327891
  i64.xor
  local.tee $9
  i64.const 32
  i64.shr_u
  local.tee $4
  i64.const 2135587861
  i64.mul
  local.set $10
  local.get $4
  i64.const 2654435769
  i64.mul
  local.get $9
  i64.const 4294967295
  i64.and
  local.tee $11
  i64.const 2654435769
  i64.mul
  local.tee $4
  i64.const 32
  i64.shr_u
  i64.add
  local.get $10
  i64.const 32
  i64.shr_u
  i64.add
  local.get $4
  i64.const 4294967295
  i64.and
  local.get $11
  i64.const 2135587861
  i64.mul
  i64.const 32
  i64.shr_u
  i64.add
  local.get $10
  i64.const 4294967295
  i64.and
  i64.add
  i64.const 32
  i64.shr_u
  i64.add
  local.get $9
  i64.const -7046029254386353131
  i64.mul
  i64.xor
  global.set $assembly/table/seed0
  local.get $8
  i64.const 1376283091369227076
  i64.xor
  local.tee $4
  i64.const 32
  i64.shr_u
  local.tee $8
  i64.const 484763065
  i64.mul
  local.set $9
  local.get $8
  i64.const 3210233709
  i64.mul
  local.get $4
  i64.const 4294967295
  i64.and
  local.tee $8
  i64.const 3210233709
  i64.mul
  local.tee $10
  i64.const 32
  i64.shr_u
  i64.add
  local.get $9
  i64.const 32
  i64.shr_u
  i64.add
  local.get $10
  i64.const 4294967295
  i64.and
  local.get $8
  i64.const 484763065
  i64.mul
  i64.const 32
  i64.shr_u
  i64.add
  local.get $9
  i64.const 4294967295
  i64.and
  i64.add
  i64.const 32
  i64.shr_u
  i64.add
  local.get $4
  i64.const -4658895280553007687
  i64.mul
  i64.xor
  global.set $assembly/table/seed1
  i32.const 0
 )
 (func $assembly/index/flushAll (param $0 i32) (result i32)
  (local $1 i32)
  (local $2 i32)
  (local $3 i32)
  i32.const 65552
  global.get $assembly/meter/now
  i64.store
  block $__inlined_func$assembly/meter/flushAll$65 (result i32)
   loop $for-loop|0
    local.get $1
    global.get $assembly/meter/targetCount
    i32.lt_u
    if
     local.get $1
     i32.const 7
     i32.shl
     i32.const 74048
     i32.add
     local.tee $2
     i32.load offset=72
     if
      loop $while-continue|1
       local.get $2
       i32.load offset=24
       local.tee $3
       i32.const -1
       i32.ne
       if
        i32.const 0
        global.get $assembly/meter/outPos
        global.get $assembly/meter/packetReserve
        i32.add
        i32.const 1024
        i32.add
        i32.const 1048576
        i32.gt_u
        br_if $__inlined_func$assembly/meter/flushAll$65
        drop
        local.get $2
        local.get $3
        local.get $0
        call $assembly/meter/exportFlow
        br $while-continue|1
       end
      end
     end
     local.get $1
     i32.const 1
     i32.add
     local.set $1
     br $for-loop|0
    end
   end
   i32.const 1
  end
 )
 (func $assembly/index/configureTarget (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (result i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  local.get $1
  i32.eqz
  local.get $0
  i32.const 16
  i32.ge_u
  i32.or
  local.get $1
  i32.const 4194303
  i32.gt_u
  i32.or
  if
   i32.const 2
   return
  end
  i32.const 1
  local.get $2
  local.get $2
  i32.const 1
  i32.sub
  i32.and
  local.get $2
  i32.const 16
  i32.lt_u
  select
  if
   i32.const 2
   return
  end
  block $__inlined_func$assembly/table/tableInit$1 (result i32)
   local.get $1
   local.set $6
   local.get $0
   i32.const 7
   i32.shl
   i32.const 74048
   i32.add
   local.tee $7
   i32.const 0
   i32.const 128
   memory.fill
   block $__inlined_func$assembly/heap/heapAlloc$11
    global.get $assembly/heap/heapTop
    i32.const 63
    i32.add
    i32.const -64
    i32.and
    local.tee $1
    i32.const 4096
    i32.add
    local.tee $8
    memory.size
    i32.const 16
    i32.shl
    local.tee $9
    i32.gt_u
    if
     local.get $8
     local.get $9
     i32.sub
     i32.const 65535
     i32.add
     i32.const 16
     i32.shr_u
     memory.grow
     i32.const 0
     i32.lt_s
     if
      i32.const 65564
      i32.const 65564
      i32.load
      i32.const 1
      i32.add
      i32.store
      i32.const 0
      local.set $1
      br $__inlined_func$assembly/heap/heapAlloc$11
     end
    end
    local.get $8
    global.set $assembly/heap/heapTop
    i32.const 65560
    global.get $assembly/heap/heapTop
    i32.store
   end
   block $__inlined_func$assembly/heap/heapAlloc$12
    global.get $assembly/heap/heapTop
    i32.const 63
    i32.add
    i32.const -64
    i32.and
    local.tee $8
    i32.const 4096
    local.get $2
    local.get $2
    i32.const 4096
    i32.ge_u
    select
    local.tee $10
    i32.const 2
    i32.shl
    i32.add
    local.tee $11
    memory.size
    i32.const 16
    i32.shl
    local.tee $9
    i32.gt_u
    if
     local.get $11
     local.get $9
     i32.sub
     i32.const 65535
     i32.add
     i32.const 16
     i32.shr_u
     memory.grow
     i32.const 0
     i32.lt_s
     if
      i32.const 65564
      i32.const 65564
      i32.load
      i32.const 1
      i32.add
      i32.store
      i32.const 0
      local.set $8
      br $__inlined_func$assembly/heap/heapAlloc$12
     end
    end
    local.get $11
    global.set $assembly/heap/heapTop
    i32.const 65560
    global.get $assembly/heap/heapTop
    i32.store
   end
   i32.const 1
   local.get $8
   i32.eqz
   local.get $1
   i32.eqz
   i32.or
   br_if $__inlined_func$assembly/table/tableInit$1
   drop
   local.get $8
   i32.const 0
   local.get $10
   i32.const 2
   i32.shl
   memory.fill
   local.get $7
   local.get $1
   i32.store offset=40
   local.get $7
   local.get $8
   i32.store offset=12
   local.get $7
   local.get $10
   i32.const 1
   i32.sub
   i32.store offset=16
   local.get $7
   local.get $2
   i32.store offset=20
   local.get $7
   local.get $6
   i32.store offset=8
   local.get $7
   i32.const -1
   i32.store offset=24
   local.get $7
   i32.const -1
   i32.store offset=28
   local.get $7
   i32.const -1
   i32.store offset=32
   local.get $7
   i32.const 1
   i32.store offset=72
   i32.const 0
  end
  if
   i32.const 1
   return
  end
  local.get $0
  i32.const 7
  i32.shl
  i32.const 74048
  i32.add
  local.tee $1
  local.get $3
  i64.extend_i32_u
  i64.const 1000000000
  i64.mul
  i64.store offset=48
  local.get $1
  local.get $4
  i64.extend_i32_u
  i64.const 1000000000
  i64.mul
  i64.store offset=56
  local.get $1
  local.get $5
  i32.store offset=44
  local.get $0
  i32.const -1
  i32.ne
  if
   i32.const 16
   local.get $0
   i32.const 1
   i32.add
   local.tee $0
   local.get $0
   i32.const 16
   i32.gt_u
   select
   global.set $assembly/meter/targetCount
   global.get $assembly/meter/targetCount
   i32.const 3072
   i32.mul
   global.set $assembly/meter/packetReserve
  end
  i32.const 0
 )
 (func $assembly/index/advance (param $0 i32) (param $1 i32) (result i32)
  (local $2 i64)
  local.get $0
  i64.extend_i32_u
  local.get $1
  i64.extend_i32_u
  i64.const 32
  i64.shl
  i64.or
  local.tee $2
  global.get $assembly/meter/now
  i64.gt_u
  if
   local.get $2
   global.set $assembly/meter/now
  end
  i32.const 65552
  global.get $assembly/meter/now
  i64.store
  i32.const 0
  local.set $0
  block $__inlined_func$assembly/meter/advance$63 (result i32)
   loop $for-loop|0
    local.get $0
    global.get $assembly/meter/targetCount
    i32.lt_u
    if
     local.get $0
     i32.const 7
     i32.shl
     i32.const 74048
     i32.add
     local.tee $1
     i32.load offset=72
     if
      local.get $1
      call $assembly/meter/expireIdle
      i32.const 0
      global.get $assembly/meter/outPos
      global.get $assembly/meter/packetReserve
      i32.add
      i32.const 1024
      i32.add
      i32.const 1048576
      i32.gt_u
      br_if $__inlined_func$assembly/meter/advance$63
      drop
     end
     local.get $0
     i32.const 1
     i32.add
     local.set $0
     br $for-loop|0
    end
   end
   i32.const 1
  end
 )
)
