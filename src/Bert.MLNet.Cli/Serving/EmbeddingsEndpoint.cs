using System.Runtime.InteropServices;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Options;
using Microsoft.AspNetCore.Http;

namespace Bert.MLNet.Cli.Serving;

/// <summary>
/// <c>POST /v1/embeddings</c>, as OpenAI's embeddings API: <c>input</c> (a string or an array of strings), <c>model</c>
/// (the served model's name, or absent), <c>encoding_format</c> (<c>float</c> or <c>base64</c>) and <c>dimensions</c>
/// (only the model's own). Beyond OpenAI's fields, as <c>embed</c> chooses them: <c>layers</c>, <c>pooling</c>,
/// <c>combine</c>, <c>normalize</c>, <c>truncate</c> (default true; false refuses a text longer than the model takes)
/// and <c>purpose</c> (<c>document</c> or <c>query</c>, which gets the model's query prompt). Each answer item also says
/// whether its text was <c>truncated</c>; <c>usage</c> counts the texts' WordPiece tokens, special tokens not counted.
/// </summary>
internal static class EmbeddingsEndpoint
{
    internal static async Task Answer(HttpContext context, ServedModels served)
    {
        using var document = await JsonRequest.ReadAsync(context.Request, served.Limits.MaxRequestBytes, context.RequestAborted);
        var body = document.RootElement;
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiError.BadRequest($"The request body must be a JSON object, not {JsonRequest.Kind(body)}.");
        }

        var model = served.Model;
        if (JsonRequest.String(body, "model") is { } name && !name.Equals(model.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiError(StatusCodes.Status404NotFound, $"The model '{name}' does not exist here; this server serves '{model.Name}'.", "model", "model_not_found");
        }

        var texts = Texts(body, served.Limits.MaxInputs);
        var base64 = (JsonRequest.String(body, "encoding_format") ?? "float") switch
        {
            "float" => false,
            "base64" => true,
            var other => throw ApiError.BadRequest($"'encoding_format' is '{other}'; expected 'float' or 'base64'.", "encoding_format"),
        };
        var options = Options(body, served);
        var dimensions = new BertEmbeddingGenerator(model, options).Dimensions;
        if (JsonRequest.Integer(body, "dimensions") is { } wanted && wanted != dimensions)
        {
            throw ApiError.BadRequest($"'dimensions' is {wanted} but these embeddings have {dimensions}; BERT embeddings cannot be shortened.", "dimensions");
        }

        if ((JsonRequest.String(body, "purpose") ?? "document") switch
        {
            "document" => false,
            "query" => true,
            var other => throw ApiError.BadRequest($"'purpose' is '{other}'; expected 'document' or 'query'.", "purpose"),
        })
        {
            texts = [.. texts.Select(model.Conventions.Query)];
        }

        var truncate = JsonRequest.Boolean(body, "truncate") ?? true;
        var result = await served.Batcher.EmbedAsync(texts, options, context.RequestAborted);
        if (!truncate && result.Truncated.ToList().IndexOf(true) is var cut and >= 0)
        {
            throw ApiError.TooLarge(
                $"input[{cut}] holds {result.TokenCounts[cut]} tokens; the model takes {options.MaxLength ?? model.DefaultMaxLength} with [CLS] and [SEP]. Send a shorter text, or truncate: true.",
                "input");
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var row = 0; row < result.Count; row++)
        {
            json.WriteStartObject();
            json.WriteString("object", "embedding");
            json.WriteNumber("index", row);
            json.WritePropertyName("embedding");
            if (base64)
            {
                json.WriteBase64StringValue(MemoryMarshal.AsBytes(result[row]));
            }
            else
            {
                json.WriteStartArray();
                foreach (var value in result[row])
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
            }

            json.WriteBoolean("truncated", result.Truncated[row]);
            json.WriteEndObject();
            if (json.BytesPending > 65_536)
            {
                await json.FlushAsync(context.RequestAborted);
            }
        }

        json.WriteEndArray();
        json.WriteString("model", model.Name);
        var tokens = result.TokenCounts.Sum(t => (long)t);
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", tokens);
        json.WriteNumber("total_tokens", tokens);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    // OpenAI's input: one string, or an array of strings. Token-id arrays are OpenAI's own tokenizer's ids, not ours.
    private static string[] Texts(JsonElement body, int maxInputs)
    {
        if (JsonRequest.Field(body, "input") is not { } input)
        {
            throw ApiError.BadRequest("'input' is missing: give a string or an array of strings.", "input");
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            return [input.GetString()!];
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            throw ApiError.BadRequest($"'input' must be a string or an array of strings, not {JsonRequest.Kind(input)}.", "input");
        }

        var count = input.GetArrayLength();
        if (count == 0)
        {
            throw ApiError.BadRequest("'input' is an empty array; give at least one string.", "input");
        }

        if (count > maxInputs)
        {
            throw ApiError.TooLarge($"'input' holds {count} texts; this server takes at most {maxInputs} per request (--max-inputs).", "input");
        }

        var texts = new string[count];
        var i = 0;
        foreach (var item in input.EnumerateArray())
        {
            texts[i] = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString()!,
                JsonValueKind.Number or JsonValueKind.Array => throw ApiError.BadRequest(
                    $"input[{i}] is {JsonRequest.Kind(item)}: token ids are not taken (they would be another tokenizer's); send the text.", "input"),
                _ => throw ApiError.BadRequest($"input[{i}] must be a string, not {JsonRequest.Kind(item)}.", "input"),
            };
            i++;
        }

        return texts;
    }

    // The served options, with what the request chooses as embed's flags choose it.
    private static EmbeddingOptions Options(JsonElement body, ServedModels served)
    {
        var options = served.Embeddings;
        if (JsonRequest.String(body, "layers") is { } layers)
        {
            options = options with { Layers = LayerSelection.Parse(layers) };
        }

        if (JsonRequest.String(body, "pooling") is { } pooling)
        {
            options = options with { Pooling = EmbedCommand.ParsePooling(pooling, "'pooling'") };
            if (options.Pooling == Pooling.None)
            {
                throw ApiError.BadRequest(PerTokenOutput.Refusal("'pooling' 'none'", "an embedding (one vector per text)", "choose a pooling"), "pooling");
            }
        }

        if (JsonRequest.String(body, "combine") is { } combine)
        {
            options = options with { Combine = EmbedCommand.ParseCombine(combine, "'combine'") };
        }

        return JsonRequest.Boolean(body, "normalize") is { } normalize ? options with { Normalize = normalize } : options;
    }
}
