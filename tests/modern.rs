//! LLM economics as practitioners compute it today: the `transformer` method pack (parameters
//! from the architecture, FLOPs, KV cache, roofline, memory), the `serving` and
//! `frontier_training` workbooks. Values against hand computation (1e-9 relative), against
//! published figures (rounded as published), and against llm-analysis (docs/validation.md).

use crate::util::*;
use serde_json::{Map, Value};

/// Evaluates `formulas` (name → formula over the `transformer` pack) in a scratch workbook.
#[track_caller]
fn transformer(formulas: &[(&str, &str)]) -> Map<String, Value> {
    let sandbox = Sandbox::new();
    let cells: Vec<String> = formulas.iter().map(|(n, f)| format!("{n:?}: {f:?}")).collect();
    sandbox.write(
        "t.ron",
        &format!(
            "Workbook(title: \"t\", packs: [\"transformer\"], cells: {{ {} }})",
            cells.join(", ")
        ),
    );
    let names: Vec<&str> = formulas.iter().map(|(n, _)| *n).collect();
    let out = sandbox
        .flopsheet()
        .arg("get")
        .arg("t.ron")
        .args(&names)
        .args(["--format", "json"])
        .run()
        .clean();
    match out.json() {
        Value::Object(map) => map,
        _ => panic!("{out:?}"),
    }
}

/// A dense decoder's parameters by hand: per layer Q, K, V, O, a gated or plain MLP and two
/// norms; a final norm; embeddings once or twice.
#[allow(clippy::too_many_arguments)]
fn dense_params(l: f64, d: f64, h: f64, kv: f64, hd: f64, ffn: f64, mats: f64, vocab: f64, tied: f64) -> f64 {
    let attention = d * h * hd * 2.0 + d * kv * hd * 2.0;
    l * (attention + mats * d * ffn + 2.0 * d) + d + vocab * d * (2.0 - tied)
}

#[test]
fn parameters_from_the_architecture() {
    let got = transformer(&[
        ("llama31_8b", "dense_params(32, 4096, 32, 8, 128, 14336, 3, 128256, 0)"),
        ("llama31_70b", "dense_params(80, 8192, 64, 8, 128, 28672, 3, 128256, 0)"),
        (
            "llama31_405b",
            "dense_params(126, 16384, 128, 8, 128, 53248, 3, 128256, 0)",
        ),
        ("gpt3", "dense_params(96, 12288, 96, 96, 128, 49152, 2, 50257, 1)"),
        (
            "ds_attention",
            "mla_attention_params(7168, 128, 1536, 512, 128, 64, 128)",
        ),
        (
            "deepseek_v3",
            "moe_params(61, 3, 7168, ds_attention, 18432, 256, 1, 2048, 3, 129280, 0)",
        ),
        (
            "deepseek_v3_active",
            "moe_active_params(61, 3, 7168, ds_attention, 18432, 256, 8, 1, 2048, 3, 129280, 0)",
        ),
        (
            "mixtral",
            "moe_params(32, 0, 4096, attention_params(4096, 32, 8, 128), 0, 8, 0, 14336, 3, 32000, 0)",
        ),
        (
            "mixtral_active",
            "moe_active_params(32, 0, 4096, attention_params(4096, 32, 8, 128), 0, 8, 2, 0, 14336, 3, 32000, 0)",
        ),
    ]);
    // Exact: our arithmetic.
    expect_exact(
        got.num("llama31_8b"),
        dense_params(32.0, 4096.0, 32.0, 8.0, 128.0, 14336.0, 3.0, 128256.0, 0.0),
    );
    expect_exact(
        got.num("gpt3"),
        dense_params(96.0, 12288.0, 96.0, 96.0, 128.0, 49152.0, 2.0, 50257.0, 1.0),
    );
    let mla = 7168.0 * 1536.0
        + 1536.0
        + 1536.0 * 128.0 * 192.0
        + 7168.0 * 576.0
        + 512.0
        + 512.0 * 128.0 * 256.0
        + 128.0 * 128.0 * 7168.0;
    expect_exact(got.num("ds_attention"), mla);
    let expert = 3.0 * 7168.0 * 2048.0;
    let deepseek = 61.0 * (mla + 2.0 * 7168.0)
        + 3.0 * 3.0 * 7168.0 * 18432.0
        + 58.0 * (257.0 * expert + 256.0 * 7168.0)
        + 7168.0
        + 2.0 * 129280.0 * 7168.0;
    expect_exact(got.num("deepseek_v3"), deepseek);
    expect_exact(got.num("deepseek_v3_active"), deepseek - 58.0 * 248.0 * expert);
    // Against the published counts, to the digits published.
    expect_rounds_to(got.num("llama31_8b") / 1e9, 8.03, 2); // Llama 3.1 model card: 8.03B
    expect_rounds_to(got.num("llama31_70b") / 1e9, 70.6, 1); // 70.6B
    expect_rounds_to(got.num("llama31_405b") / 1e9, 406.0, 0); // "405B" (config: 405.9B)
    expect_rounds_to(got.num("deepseek_v3") / 1e9, 671.0, 0); // 671B total (tech report)
    expect_rounds_to(got.num("deepseek_v3_active") / 1e9, 38.0, 0); // 37B active (report), 37.6 with embeddings
    expect_rounds_to(got.num("mixtral") / 1e9, 46.7, 1); // Mixtral 8x7B: 46.7B total
    expect_rounds_to(got.num("mixtral_active") / 1e9, 12.9, 1); // 12.9B active
    expect_rounds_to(got.num("gpt3") / 1e9, 175.0, 0); // 174.6B without biases and positions
}

#[test]
fn flops_kv_cache_roofline_and_memory() {
    let got = transformer(&[
        ("train_6nd", "train_flops_6nd(70e9, 2e12)"),
        ("per_token", "train_flops_per_token(175e9, 96, 12288, 2048, 0)"),
        (
            "per_token_recompute",
            "train_flops_per_token(175e9, 96, 12288, 2048, 1)",
        ),
        ("decode", "forward_flops_per_token(70e9, 80, 64, 128, 1000)"),
        ("prefill", "prefill_flops(70e9, 80, 64, 128, 1000)"),
        ("kv", "kv_values_per_token(80, 8, 128)"),
        (
            "kv_bytes",
            "kv_cache_bytes(kv_values_per_token(80, 8, 128), 2, 32 * 1250)",
        ),
        ("moe_read_small", "weights_read_per_step(671e9, 37e9, 4)"),
        ("moe_read_large", "weights_read_per_step(671e9, 37e9, 64)"),
        ("memory_bound", "roofline_s(2 * 70e9, 140e9, 989e12, 0.5, 3.35e12, 0.6)"),
        (
            "compute_bound",
            "roofline_s(512 * 2 * 70e9, 140e9, 989e12, 0.5, 3.35e12, 0.6)",
        ),
        ("allreduce", "tp_allreduce_s(80, 32, 8192, 2, 4, 900e9)"),
        ("allreduce_one_gpu", "tp_allreduce_s(80, 32, 8192, 2, 1, 900e9)"),
        ("state_zero1", "train_state_bytes_per_gpu(175e9, 2, 8, 16, 8, 1)"),
        ("state_zero3", "train_state_bytes_per_gpu(175e9, 2, 8, 16, 8, 3)"),
        (
            "activations",
            "activation_bytes_per_gpu(96, 2048, 1, 12288, 96, 8, 16, 0)",
        ),
        (
            "activations_full",
            "activation_bytes_per_gpu(96, 2048, 1, 12288, 96, 8, 16, 2)",
        ),
        (
            "inference",
            "inference_bytes(70e9, 2, kv_values_per_token(80, 8, 128), 2, 32 * 1250)",
        ),
    ]);
    expect_exact(got.num("train_6nd"), 6.0 * 70e9 * 2e12);
    expect_exact(got.num("per_token"), 6.0 * 175e9 + 12.0 * 96.0 * 12288.0 * 2048.0);
    expect_exact(
        got.num("per_token_recompute"),
        (6.0 * 175e9 + 12.0 * 96.0 * 12288.0 * 2048.0) * 4.0 / 3.0,
    );
    expect_exact(got.num("decode"), 2.0 * 70e9 + 4.0 * 80.0 * 64.0 * 128.0 * 1000.0);
    expect_exact(
        got.num("prefill"),
        2.0 * 70e9 * 1000.0 + 2.0 * 80.0 * 64.0 * 128.0 * 1000.0 * 1001.0,
    );
    expect_exact(got.num("kv"), 163_840.0); // 2 × 80 × 8 × 128: 320 KiB a token in bf16
    expect_exact(got.num("kv_bytes"), 163_840.0 * 2.0 * 40_000.0);
    expect_exact(got.num("moe_read_small"), 4.0 * 37e9);
    expect_exact(got.num("moe_read_large"), 671e9);
    expect_exact(got.num("memory_bound"), 140e9 / (3.35e12 * 0.6));
    expect_exact(got.num("compute_bound"), 512.0 * 2.0 * 70e9 / (989e12 * 0.5));
    expect_exact(
        got.num("allreduce"),
        2.0 * 80.0 * 2.0 * 3.0 / 4.0 * 32.0 * 8192.0 * 2.0 / 450e9,
    );
    expect_exact(got.num("allreduce_one_gpu"), 0.0);
    expect_exact(got.num("state_zero1"), 175e9 / 128.0 * (2.0 + 2.0 + 12.0 / 8.0));
    expect_exact(got.num("state_zero3"), 175e9 / 128.0 * (2.0 + 2.0 + 12.0) / 8.0);
    expect_exact(
        got.num("activations"),
        96.0 / 16.0 * 2048.0 * 12288.0 * (34.0 + 5.0 * 96.0 * 2048.0 / 12288.0) / 8.0,
    );
    expect_exact(got.num("activations_full"), 96.0 / 16.0 * 2048.0 * 12288.0 * 2.0);
    expect_exact(got.num("inference"), 140e9 + 163_840.0 * 2.0 * 40_000.0);
}
