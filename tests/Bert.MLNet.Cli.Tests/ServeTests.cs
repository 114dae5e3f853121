using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Cli.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Embeddings;

namespace Bert.MLNet.Cli.Tests;

/// <summary>
/// <c>bert-mlnet serve</c> in process (ASP.NET Core's test server) and on a real Kestrel port, checked with the official
/// OpenAI .NET client and Microsoft.Extensions.AI's generator over it: the vectors are the library's, errors come in
/// OpenAI's shape with the right status, /predict answers as <c>predict</c> does, /metrics counts what happened, and
/// SIGTERM ends the process with 0.
/// </summary>
public sealed class ServeTests : IDisposable
{
    private const string Model = "bert-l4-h128-uncased";
    private static readonly string[] Texts = ["The cat sat on the mat.", "", "Résumé of a naïve café owner, in über-long words: " + string.Join(' ', Enumerable.Repeat("antidisestablishmentarianism", 300)), "hello"];

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-serve-test-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task TheOpenAIClientAndTheExtensionsAIGeneratorGetTheLibrarysVectors()
    {
        await using var app = await Start(new ServeOptions(Model));
        using var model = BertModel.Load(Model);
        var expected = model.Embed(Texts);

        var client = new EmbeddingClient(Model, new ApiKeyCredential("unused"), ClientOptions(app));
        var answer = (await client.GenerateEmbeddingsAsync(Texts)).Value;
        Assert.Equal(Texts.Length, answer.Count);
        for (var row = 0; row < Texts.Length; row++)
        {
            Assert.Equal(row, answer[row].Index);
            AssertClose(expected[row], answer[row].ToFloats().Span);
        }

        Assert.Equal(expected.TokenCounts.Sum(), answer.Usage.InputTokenCount);

        IEmbeddingGenerator<string, Embedding<float>> generator = client.AsIEmbeddingGenerator();
        var generated = await generator.GenerateAsync(Texts);
        for (var row = 0; row < Texts.Length; row++)
        {
            AssertClose(expected[row], generated[row].Vector.Span);
        }

        // Plain JSON floats, and the fields beyond OpenAI's: layers and pooling as embed takes them, the query purpose.
        using var http = app.GetTestClient();
        var floats = await Post(http, "/v1/embeddings", new { input = "hello", encoding_format = "float", layers = "-2..-1", pooling = "max", normalize = false });
        Assert.Equal(HttpStatusCode.OK, floats.Status);
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Pooling = Pooling.Max };
        AssertClose(model.Embed(["hello"], options)[0], [.. floats.Body.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())]);
        Assert.False(floats.Body.GetProperty("data")[0].GetProperty("truncated").GetBoolean());
        Assert.True((await Post(http, "/v1/embeddings", new { input = Texts })).Body.GetProperty("data")[2].GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Int8ServesTheLibrarysInt8Vectors()
    {
        // One text per request, so each runs alone, as the library's call on that one text does (an int8 vector varies
        // slightly with its batch: a run's activations share one scale).
        await using var app = await Start(new ServeOptions(Model, Precision: Precision.Int8));
        using var model = BertModel.Load(Model);
        var int8 = model.DefaultOptions with { Precision = Precision.Int8 };
        var client = new EmbeddingClient(Model, new ApiKeyCredential("unused"), ClientOptions(app));
        foreach (var text in Texts.Where(t => t.Length > 0))
        {
            var served = (await client.GenerateEmbeddingAsync(text)).Value.ToFloats();
            AssertClose(model.Embed([text], int8)[0], served.Span);
            Assert.NotEqual(model.Embed([text])[0].ToArray(), served.ToArray());
        }

        using var http = app.GetTestClient();
        using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/health", UriKind.Relative)));
        Assert.Equal("int8", health.RootElement.GetProperty("precision").GetString());
    }

    [Fact]
    public async Task RefusalsComeInOpenAIsErrorShapeWithTheirStatus()
    {
        await using var app = await Start(new ServeOptions(Model, MaxRequestBytes: 4_000, MaxInputs: 8, MaxBatchTokens: 600));
        using var http = app.GetTestClient();
        async Task Refused(HttpStatusCode status, string body, string inMessage, string? param = null)
        {
            using var response = await http.PostAsync("/v1/embeddings", new StringContent(body));
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.True(status == response.StatusCode, $"{body[..Math.Min(body.Length, 60)]}: {response.StatusCode} {json}");
            Assert.Contains(inMessage, json.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(status == HttpStatusCode.NotFound ? "not_found_error" : "invalid_request_error", json.GetProperty("type").GetString());
            Assert.Equal(param, json.GetProperty("param").GetString());
        }

        await Refused(HttpStatusCode.BadRequest, "{\"input\": [\"a\"", "not valid JSON");
        await Refused(HttpStatusCode.BadRequest, "[\"a\"]", "must be a JSON object, not an array");
        await Refused(HttpStatusCode.BadRequest, "{}", "'input' is missing", "input");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": 3}", "must be a string or an array of strings, not a number", "input");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": []}", "empty array", "input");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": [\"a\", null]}", "input[1] must be a string, not null", "input");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": [[101, 102]]}", "token ids are not taken", "input");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": \"a\", \"encoding_format\": \"int8\"}", "expected 'float' or 'base64'", "encoding_format");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": \"a\", \"dimensions\": 64}", "have 128", "dimensions");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": \"a\", \"pooling\": \"median\"}", "'pooling' 'median' is not one of");
        await Refused(HttpStatusCode.BadRequest, "{\"input\": \"a\", \"normalize\": \"yes\"}", "'normalize' must be true or false", "normalize");
        await Refused(HttpStatusCode.NotFound, "{\"input\": \"a\", \"model\": \"text-embedding-3-small\"}", $"this server serves '{Model}'", "model");
        await Refused(HttpStatusCode.RequestEntityTooLarge, JsonSerializer.Serialize(new { input = new string('a', 5_000) }), "at most 4,000");
        await Refused(HttpStatusCode.RequestEntityTooLarge, JsonSerializer.Serialize(new { input = Enumerable.Repeat("a", 9) }), "at most 8 per request", "input");
        await Refused(HttpStatusCode.RequestEntityTooLarge, JsonSerializer.Serialize(new { input = Enumerable.Repeat(string.Join(' ', Enumerable.Repeat("word", 100)), 7) }), "--max-batch-tokens", "input");
        await Refused(HttpStatusCode.RequestEntityTooLarge, JsonSerializer.Serialize(new { input = string.Join(' ', Enumerable.Repeat("word", 600)), truncate = false }), "input[0] holds 600 tokens", "input");

        // The OpenAI client raises a refusal as it raises OpenAI's own.
        var wrongModel = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("unused"), ClientOptions(app));
        var raised = await Assert.ThrowsAsync<ClientResultException>(() => wrongModel.GenerateEmbeddingAsync("a"));
        Assert.Equal(404, raised.Status);

        // Every refusal was counted as a failure, by status.
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("bert_mlnet_request_failures_total{endpoint=\"/v1/embeddings\",status=\"400\"} 11", metrics, StringComparison.Ordinal);
        Assert.Contains("bert_mlnet_request_failures_total{endpoint=\"/v1/embeddings\",status=\"404\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("bert_mlnet_request_failures_total{endpoint=\"/v1/embeddings\",status=\"413\"} 4", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentRequestsShareModelRunsAndMetricsCountThem()
    {
        await using var app = await Start(new ServeOptions(Model));
        using var http = app.GetTestClient();
        using var model = BertModel.Load(Model);
        var sentences = File.ReadAllLines(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "datasets", "sample-sentences.txt"));
        var requests = Enumerable.Range(0, 48).Select(i => sentences.Skip(i * 5 % sentences.Length).Take(1 + (i % 16)).ToArray()).ToArray();
        var answers = await Task.WhenAll(requests.Select(texts => Post(http, "/v1/embeddings", new { input = texts, encoding_format = "float" })));
        for (var r = 0; r < requests.Length; r++)
        {
            Assert.Equal(HttpStatusCode.OK, answers[r].Status);
            var expected = model.Embed(requests[r]);
            var data = answers[r].Body.GetProperty("data");
            for (var row = 0; row < requests[r].Length; row++)
            {
                AssertClose(expected[row], [.. data[row].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())]);
            }
        }

        var metrics = Metrics(await http.GetStringAsync("/metrics"));
        Assert.Equal(48, metrics["bert_mlnet_requests_total{endpoint=\"/v1/embeddings\",status=\"200\"}"]);
        Assert.Equal(requests.Sum(r => r.Length), metrics["bert_mlnet_batch_texts_sum"]);
        Assert.True(metrics["bert_mlnet_batch_texts_count"] < 48, $"{metrics["bert_mlnet_batch_texts_count"]} runs for 48 concurrent requests: none shared a run");
        Assert.Equal(48, metrics["bert_mlnet_queue_duration_seconds_count"]);
        Assert.Equal(0, metrics["bert_mlnet_queue_depth"]);
        Assert.Equal("ok", JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task PredictAnswersAsThePredictCommandDoes()
    {
        var lines = File.ReadAllLines(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "datasets", "wordnet-topics", "train.tsv"));
        var train = Path.Combine(folder, "train.tsv");
        File.WriteAllLines(train, ["topic\tdefinition", .. lines.Skip(1).Take(120)]);
        var output = Path.Combine(folder, "out");
        Assert.Equal(0, TrainCommand.Run(new TrainSettings(train, "topic", "definition", output) { Model = Model, Folds = 2, Trainers = "linear", Poolings = "mean" }, CancellationToken.None));
        var zip = Path.Combine(output, "model.zip");
        var unlabelled = Path.Combine(folder, "new.tsv");
        var texts = lines.Skip(121).Take(5).Select(l => l.Split('\t')[1]).ToArray();
        File.WriteAllLines(unlabelled, ["definition", .. texts]);
        var predictions = Path.Combine(folder, "predictions.tsv");
        Assert.Equal(0, PredictCommand.Run(zip, unlabelled, predictions, CancellationToken.None));
        var expected = File.ReadAllLines(predictions);
        var classes = expected[0].Split('\t').Skip(1).Select(c => c["Probability.".Length..]).ToArray();

        await using var app = await Start(new ServeOptions(ModelZip: zip));
        using var http = app.GetTestClient();
        var many = await Post(http, "/predict", texts.Select(t => new { definition = t }));
        Assert.Equal(HttpStatusCode.OK, many.Status);
        for (var row = 0; row < texts.Length; row++)
        {
            var cells = expected[row + 1].Split('\t');
            var answer = many.Body[row];
            Assert.Equal(cells[0], answer.GetProperty("PredictedLabel").GetString());
            for (var c = 0; c < classes.Length; c++)
            {
                Assert.Equal(float.Parse(cells[c + 1], CultureInfo.InvariantCulture), answer.GetProperty("Probabilities").GetProperty(classes[c]).GetSingle(), 1e-5f);
            }
        }

        var one = await Post(http, "/predict", new { definition = texts[0], topic = "ignored" });
        Assert.Equal(expected[1].Split('\t')[0], one.Body.GetProperty("PredictedLabel").GetString());
        var missing = await Post(http, "/predict", new { text = "no such column" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("the text column 'definition' is missing", missing.Body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(http, "/predict", new[] { new { definition = 3 } })).Status);

        // The embedding model defaults to the one the model.zip was trained on.
        Assert.Equal(Model, JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task ARealServerAnswersOnItsPortAndSigtermEndsItWithZero()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in new[] { typeof(ServeCommand).Assembly.Location, "serve", "--model", Model, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TMPDIR"] = Directory.CreateDirectory(Path.Combine(folder, "tmp")).FullName;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string? line;
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((line = await process.StandardError.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("serving ", StringComparison.Ordinal))
        {
            lines.Add(line);
        }

        Assert.True(line is not null, "the server never said where it listens: " + string.Join('\n', lines));
        var url = line!.Split(' ').First(w => w.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)).TrimEnd(':', ',');
        var client = new EmbeddingClient(Model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(url + "/v1") });
        var answer = (await client.GenerateEmbeddingsAsync(Texts)).Value;
        using (var model = BertModel.Load(Model))
        {
            var expected = model.Embed(Texts);
            for (var row = 0; row < Texts.Length; row++)
            {
                AssertClose(expected[row], answer[row].ToFloats().Span);
            }
        }

        Assert.Equal(0, Signals.Send(process.Id, 15));
        await process.WaitForExitAsync(timeout.Token);
        var rest = await process.StandardError.ReadToEndAsync(timeout.Token);
        await stdout;
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {rest}");
        Assert.Contains("stopped: every request taken was answered", rest, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder, "tmp")));
    }

    // A server on ASP.NET Core's test server, started.
    private static async Task<WebApplication> Start(ServeOptions options)
    {
        var app = EmbeddingServer.Build(options, builder => builder.WebHost.UseTestServer());
        await app.StartAsync();
        return app;
    }

    // The OpenAI client's options for the in-process server: its address and its handler.
    private static OpenAIClientOptions ClientOptions(WebApplication app) => new()
    {
        Endpoint = new Uri(app.GetTestServer().BaseAddress, "v1"),
        Transport = new HttpClientPipelineTransport(app.GetTestClient()),
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Post<T>(HttpClient http, string path, T body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    // The samples of a Prometheus text page without labels' buckets, by series.
    private static Dictionary<string, double> Metrics(string page) =>
        page.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(' ')).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"value {i}: {actual[i]}, expected {expected[i]}");
        }
    }
}
