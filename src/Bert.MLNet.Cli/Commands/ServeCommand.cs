using System.CommandLine;
using Bert.MLNet.Cli.Serving;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet serve</c>: embeddings (OpenAI-compatible) and a trained model's predictions over HTTP, until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    internal static Command Create()
    {
        var model = new Option<string?>("--model")
        {
            Description = $"Embedding model: a name ({string.Join(", ", PretrainedModels.Names)}), a folder or an .onnx file. Default: the one --model-zip was trained on, else {PretrainedModels.DefaultName}.",
        };
        var modelZip = new Option<string?>("--model-zip") { Description = "A model.zip that train wrote, answered at POST /predict." };
        var urls = new Option<string>("--urls") { Description = "Where to listen, semicolon-separated (port 0: any free port).", DefaultValueFactory = _ => ServeOptions.DefaultUrls };
        var precision = PrecisionOption.Create();
        var defaults = new ServeOptions();
        var maxBatchTokens = new Option<int>("--max-batch-tokens") { Description = "Most tokens one model run takes across requests; also the most one request may bring.", DefaultValueFactory = _ => defaults.MaxBatchTokens };
        var maxConcurrent = new Option<int>("--max-concurrent-requests") { Description = "Most embedding requests waiting or running; more are answered 429.", DefaultValueFactory = _ => defaults.MaxConcurrentRequests };
        var maxBytes = new Option<long>("--max-request-bytes") { Description = "Largest request body; larger is answered 413.", DefaultValueFactory = _ => defaults.MaxRequestBytes };
        var maxInputs = new Option<int>("--max-inputs") { Description = "Most texts (or /predict rows) in one request; more is answered 413.", DefaultValueFactory = _ => defaults.MaxInputs };
        var threads = ThreadsOption.Create();
        var command = new Command("serve", "Serve embeddings (POST /v1/embeddings, OpenAI-compatible) and a trained model (POST /predict) over HTTP, with /health and /metrics.")
        {
            model, modelZip, urls, precision, maxBatchTokens, maxConcurrent, maxBytes, maxInputs, threads,
        };
        command.SetAction((result, cancellation) => CommandErrors.RunAsync(() => Run(
            new ServeOptions(result.GetValue(model), result.GetValue(modelZip), result.GetValue(urls)!, PrecisionOption.Parse(result.GetValue(precision)!),
                result.GetValue(maxBatchTokens), result.GetValue(maxConcurrent), result.GetValue(maxBytes), result.GetValue(maxInputs), ThreadsOption.Check(result.GetValue(threads))),
            cancellation)));
        return command;
    }

    /// <summary>Serves until the token is cancelled (the first SIGTERM or Ctrl+C), then answers what it has taken and returns 0.</summary>
    internal static async Task<int> Run(ServeOptions options, CancellationToken cancellation)
    {
        await using var app = EmbeddingServer.Build(options, cancellation: cancellation);
        await app.StartAsync(cancellation);
        var served = app.Services.GetRequiredService<ServedModels>();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Console.Error.WriteLine(
            $"serving {served.Model.Name} ({PrecisionOption.Name(options.Precision)}){(served.Predictor is null ? string.Empty : $" and {options.ModelZip}")} " +
            $"on {string.Join(", ", addresses)}: POST /v1/embeddings, /predict; GET /v1/models, /health, /metrics");
        await app.WaitForShutdownAsync(cancellation);
        Console.Error.WriteLine($"stopped: every request taken was answered");
        return 0;
    }
}
