namespace Bert.MLNet.Cli.Serving;

/// <summary>What <c>bert-mlnet serve</c> serves and under which limits.</summary>
/// <param name="Model">The embedding model: a name, a folder or an .onnx file; null for the one <paramref name="ModelZip"/> was trained on, or else the default.</param>
/// <param name="ModelZip">A model.zip that <c>train</c> wrote, answered at <c>/predict</c>; null for none.</param>
/// <param name="Urls">Where Kestrel listens (semicolon-separated); port 0 picks a free one.</param>
/// <param name="Precision">The precision the embeddings are computed in.</param>
/// <param name="MaxBatchTokens">Most tokens one model run takes, across requests; also the most one request may bring.</param>
/// <param name="MaxConcurrentRequests">Most embedding requests waiting or running; more get 429.</param>
/// <param name="MaxRequestBytes">Largest request body; larger gets 413.</param>
/// <param name="MaxInputs">Most texts (or /predict rows) in one request; more gets 413.</param>
/// <param name="Threads">ONNX Runtime's threads; 0 for one per core.</param>
internal sealed record ServeOptions(
    string? Model = null,
    string? ModelZip = null,
    string Urls = ServeOptions.DefaultUrls,
    Precision Precision = Precision.Float32,
    int MaxBatchTokens = 16_384,
    int MaxConcurrentRequests = 512,
    long MaxRequestBytes = 2_000_000,
    int MaxInputs = 2048,
    int Threads = 0)
{
    internal const string DefaultUrls = "http://127.0.0.1:5000";
}
