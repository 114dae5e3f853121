// A bounded load test of `bert-mlnet serve`, loopback only: 64 concurrent clients send a fixed list of requests of 1-16
// texts each (sentences, seeded), and the same texts are then embedded in this process in one call, for the ratio.
// A second round with --max-concurrent-requests below the client count checks that the excess is answered 429, not
// timed out. Prints requests/s, texts/s, p50/p99 latency, status counts and the server's peak memory.
//
//   bash benchmarks/load/run.sh [model] [requests] [base64|float]      (default all-MiniLM-L6-v2, 1024; texts: datasets/wordnet-topics definitions)
#:project ../../src/Bert.MLNet/Bert.MLNet.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Bert.MLNet;

var (cli, model, requestCount, sentencesPath) = (args[0], args[1], int.Parse(args[2]), args[3]);
var encoding = args.Length > 4 ? args[4] : "base64"; // what OpenAI's .NET client asks for; "float" for JSON numbers
var serverArgs = args.Length > 5 ? args[5].Split(' ', StringSplitOptions.RemoveEmptyEntries) : []; // more `serve` flags, such as "--threads 1"
const int Clients = 64;
// Short texts: the definitions of a committed dataset (its second column).
var sentences = File.ReadAllLines(sentencesPath).Skip(1).Select(l => l.Split('\t')[1]).Where(l => l.Length > 0).ToArray();
var random = new Random(1);
var requests = Enumerable.Range(0, requestCount).Select(_ => Enumerable.Range(0, random.Next(1, 17)).Select(_ => sentences[random.Next(sentences.Length)]).ToArray()).ToArray();
var texts = requests.Sum(r => r.Length);
Console.WriteLine($"{model}: {requestCount} requests, {texts} texts, {Clients} clients, {Environment.ProcessorCount} cores, encoding_format {encoding}");

var (load, peak) = await Round(limit: null);
Console.WriteLine($"serve: {load.Ok} ok, {load.Refused} 429, {load.Other} other, {load.Timeouts} timeouts; {requestCount / load.Seconds:F1} requests/s, {texts / load.Seconds:F1} texts/s; " +
    $"latency p50 {load.P50 * 1000:F0} ms, p99 {load.P99 * 1000:F0} ms; server peak {peak / 1024.0:F0} MB");

using (var bert = BertModel.Load(model))
{
    var all = requests.SelectMany(r => r).ToArray();
    bert.Embed(all.Take(256).ToArray());
    var clock = Stopwatch.StartNew();
    bert.Embed(all);
    var seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"in process, one call: {texts / seconds:F1} texts/s; serve / in process = {seconds / load.Seconds:F2}");
}

var (over, _) = await Round(limit: 8);
Console.WriteLine($"serve --max-concurrent-requests 8: {over.Ok} ok, {over.Refused} 429, {over.Other} other, {over.Timeouts} timeouts");

async Task<(Result Result, long PeakKb)> Round(int? limit)
{
    var start = new ProcessStartInfo(cli) { RedirectStandardError = true, RedirectStandardOutput = true };
    foreach (var arg in new[] { "serve", "--model", model, "--urls", "http://127.0.0.1:0" }.Concat(serverArgs).Concat(limit is { } l ? ["--max-concurrent-requests", l.ToString()] : []))
    {
        start.ArgumentList.Add(arg);
    }

    using var server = Process.Start(start)!;
    _ = server.StandardOutput.ReadToEndAsync();
    string? line;
    while ((line = await server.StandardError.ReadLineAsync()) is not null && !line.StartsWith("serving ")) { }
    var url = Regex.Match(line ?? throw new InvalidOperationException("the server did not start"), @"http://127\.0\.0\.1:\d+").Value;
    using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(100) };
    foreach (var warm in requests.Take(16))
    {
        (await http.PostAsJsonAsync("/v1/embeddings", new { input = warm })).EnsureSuccessStatusCode();
    }

    var latencies = new double[requests.Length];
    var (ok, refused, other, timeouts, next) = (0, 0, 0, 0, -1);
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
    {
        for (var i = Interlocked.Increment(ref next); i < requests.Length; i = Interlocked.Increment(ref next))
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.PostAsJsonAsync("/v1/embeddings", new { input = requests[i], encoding_format = encoding });
                await response.Content.ReadAsByteArrayAsync();
                Interlocked.Increment(ref response.IsSuccessStatusCode ? ref ok : ref ((int)response.StatusCode == 429 ? ref refused : ref other));
            }
            catch (TaskCanceledException)
            {
                Interlocked.Increment(ref timeouts);
            }

            latencies[i] = Stopwatch.GetElapsedTime(sent).TotalSeconds;
        }
    })));
    var seconds = clock.Elapsed.TotalSeconds;
    var peakKb = long.Parse(Regex.Match(File.ReadAllText($"/proc/{server.Id}/status"), @"VmHWM:\s+(\d+)").Groups[1].Value);
    server.Kill(entireProcessTree: true); // SIGKILL: this test measures load, the server tests check a graceful stop
    await server.WaitForExitAsync();
    Array.Sort(latencies);
    return (new Result(ok, refused, other, timeouts, seconds, latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)]), peakKb);
}

internal sealed record Result(int Ok, int Refused, int Other, int Timeouts, double Seconds, double P50, double P99);
