using Prometheus;

namespace Bert.MLNet.Cli.Serving;

/// <summary>
/// What <c>GET /metrics</c> shows, in Prometheus' text format (prometheus-net): requests and failures per endpoint and
/// status, the queue, and each batch's size in texts and tokens with its queue, tokenization and inference times.
/// Each server has its own registry, so servers in one process (tests) count apart.
/// </summary>
internal sealed class ServerMetrics
{
    private static readonly double[] SecondsBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);

    private readonly Counter requests;
    private readonly Counter failures;
    private readonly Histogram requestSeconds;
    private readonly Histogram batchTexts;
    private readonly Histogram batchTokens;
    private readonly Histogram queueSeconds;
    private readonly Histogram tokenizationSeconds;
    private readonly Histogram inferenceSeconds;

    internal ServerMetrics(Func<EmbeddingBatcher> batcher)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        requests = factory.CreateCounter("bert_mlnet_requests_total", "HTTP requests answered, by endpoint and status code.", "endpoint", "status");
        failures = factory.CreateCounter("bert_mlnet_request_failures_total", "HTTP requests answered with a status of 400 or more, by endpoint and status code.", "endpoint", "status");
        requestSeconds = factory.CreateHistogram("bert_mlnet_request_duration_seconds", "Time from a request's start to its answer, by endpoint.",
            new HistogramConfiguration { LabelNames = ["endpoint"], Buckets = SecondsBuckets });
        batchTexts = factory.CreateHistogram("bert_mlnet_batch_texts", "Texts per model run, across the requests it served.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 12) });
        batchTokens = factory.CreateHistogram("bert_mlnet_batch_tokens", "Tokens per model run (special tokens included, padding not).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(16, 2, 12) });
        queueSeconds = factory.CreateHistogram("bert_mlnet_queue_duration_seconds", "Each embedding request's wait in the queue before its run.",
            new HistogramConfiguration { Buckets = SecondsBuckets });
        tokenizationSeconds = factory.CreateHistogram("bert_mlnet_tokenization_duration_seconds", "Each embedding request's tokenization time.",
            new HistogramConfiguration { Buckets = SecondsBuckets });
        inferenceSeconds = factory.CreateHistogram("bert_mlnet_inference_duration_seconds", "Each model run's time, pooling included.",
            new HistogramConfiguration { Buckets = SecondsBuckets });
        var queueDepth = factory.CreateGauge("bert_mlnet_queue_depth", "Embedding requests waiting for a model run.");
        var admitted = factory.CreateGauge("bert_mlnet_requests_in_progress", "Embedding requests waiting or running.");
        var dropped = factory.CreateCounter("bert_mlnet_requests_dropped_total", "Embedding requests whose client went away before they ran, and so never ran.");
        Registry.AddBeforeCollectCallback(() =>
        {
            var current = batcher();
            queueDepth.Set(current.QueueDepth);
            admitted.Set(current.Admitted);
            dropped.IncTo(current.Dropped);
        });
    }

    internal CollectorRegistry Registry { get; }

    internal void Answered(string endpoint, int status, TimeSpan elapsed)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        requests.WithLabels(endpoint, code).Inc();
        if (status >= 400)
        {
            failures.WithLabels(endpoint, code).Inc();
        }

        requestSeconds.WithLabels(endpoint).Observe(elapsed.TotalSeconds);
    }

    internal void BatchRan(EmbeddingBatchRun run)
    {
        batchTexts.Observe(run.Texts);
        batchTokens.Observe(run.Tokens);
        inferenceSeconds.Observe(run.Inference.TotalSeconds);
        foreach (var wait in run.Queued)
        {
            queueSeconds.Observe(wait.TotalSeconds);
        }

        foreach (var time in run.Tokenization)
        {
            tokenizationSeconds.Observe(time.TotalSeconds);
        }
    }
}
