//! Codec throughput: encoding and decoding print rows as a router sends them.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mikrotik::codec::{Decoder, encode_sentence};
use std::hint::black_box;

fn row(i: usize) -> Vec<String> {
    vec![
        "!re".into(),
        format!("=.id=*{i:X}"),
        format!("=name=VC{i:08}"),
        format!("=password=VC{i:08}"),
        "=profile=1h-5000".into(),
        "=limit-uptime=1h".into(),
        format!("=comment=VOUCHER_SYSTEM|5000.00|0|{i}"),
        "=disabled=false".into(),
        "=uptime=0s".into(),
        "=bytes-in=0".into(),
        "=bytes-out=0".into(),
        ".tag=42".into(),
    ]
}

fn bench(c: &mut Criterion) {
    let rows: Vec<Vec<String>> = (0..1000).map(row).collect();
    let wire: Vec<u8> = rows.iter().flat_map(|r| encode_sentence(r)).collect();
    let mut g = c.benchmark_group("codec");
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("encode_1000_rows", |b| {
        b.iter(|| {
            let mut n = 0;
            for r in &rows {
                n += encode_sentence(black_box(r)).len();
            }
            n
        })
    });
    g.bench_function("decode_1000_rows_in_4k_chunks", |b| {
        b.iter(|| {
            let mut d = Decoder::default();
            let mut n = 0;
            for chunk in black_box(&wire).chunks(4096) {
                d.extend(chunk);
                while let Ok(Some(s)) = d.next_sentence() {
                    n += s.0.len();
                }
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
