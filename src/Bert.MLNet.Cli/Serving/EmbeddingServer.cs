using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Bert.MLNet.Cli.Serving;

/// <summary>
/// The <c>bert-mlnet serve</c> app on Kestrel with minimal APIs: <c>POST /v1/embeddings</c> (OpenAI's shape),
/// <c>GET /v1/models</c>, <c>POST /predict</c> (a trained model.zip), <c>GET /health</c> and <c>GET /metrics</c>
/// (Prometheus). Embedding requests share model runs through one <see cref="EmbeddingBatcher"/>; on shutdown the server
/// stops taking connections, answers what it has taken, then frees the models.
/// </summary>
internal static class EmbeddingServer
{
    /// <summary>Loads the models and builds the app; <paramref name="configure"/> may change the builder (tests put a test server in).</summary>
    internal static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellation = default)
    {
        var served = ServedModels.Load(options, cancellation);
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseUrls(options.Urls);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes);
            builder.Services.AddSingleton(served);
            configure?.Invoke(builder);
            var app = builder.Build();
            app.Use(async (context, next) =>
            {
                var started = Stopwatch.GetTimestamp();
                await next(context);
                var endpoint = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "other";
                served.Metrics.Answered(endpoint, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
            });
            app.MapPost("/v1/embeddings", (HttpContext context) => Answer(context, () => EmbeddingsEndpoint.Answer(context, served)));
            app.MapPost("/predict", (HttpContext context) => Answer(context, () => PredictEndpoint.Answer(context, served)));
            app.MapGet("/v1/models", (HttpContext context) => Answer(context, () => Models(context, served)));
            app.MapGet("/health", (HttpContext context) => Answer(context, () => Health(context, served)));
            app.MapMetrics("/metrics", served.Metrics.Registry);
            return app;
        }
        catch
        {
            served.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    // Runs an endpoint, answering what it refuses in OpenAI's error shape.
    private static async Task Answer(HttpContext context, Func<Task> endpoint)
    {
        try
        {
            await endpoint();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: there is no one to answer (logged as nginx's 499, client closed request).
            context.Response.StatusCode = 499;
        }
        catch (Exception e)
        {
            var error = e switch
            {
                ApiError api => api,
                EmbeddingRejectedException { Reason: EmbeddingRejection.QueueFull } => new ApiError(StatusCodes.Status429TooManyRequests, e.Message, code: "rate_limit_exceeded"),
                EmbeddingRejectedException { Reason: EmbeddingRejection.TooManyTokens } => ApiError.TooLarge(e.Message + " (--max-batch-tokens)", "input"),
                EmbeddingRejectedException => new ApiError(StatusCodes.Status503ServiceUnavailable, e.Message),
                BadHttpRequestException bad => new ApiError(bad.StatusCode, bad.Message),
                ArgumentException or FormatException => ApiError.BadRequest(e.Message),
                _ => null,
            };
            if (error is null)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Bert.MLNet.Serving").LogError(e, "{Path} failed", context.Request.Path);
                error = new ApiError(StatusCodes.Status500InternalServerError, $"The server failed: {e.Message}");
            }

            await error.WriteAsync(context);
        }
    }

    private static async Task Models(HttpContext context, ServedModels served)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        json.WriteStartObject();
        json.WriteString("id", served.Model.Name);
        json.WriteString("object", "model");
        json.WriteNumber("created", 0);
        json.WriteString("owned_by", "bert-mlnet");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync();
    }

    private static async Task Health(HttpContext context, ServedModels served)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", "ok");
        json.WriteString("model", served.Model.Name);
        json.WriteString("precision", Commands.PrecisionOption.Name(served.Embeddings.Precision));
        json.WriteNumber("dimensions", served.Dimensions);
        json.WriteBoolean("predict", served.Predictor is not null);
        json.WriteNumber("queue_depth", served.Batcher.QueueDepth);
        json.WriteEndObject();
        await json.FlushAsync();
    }
}
