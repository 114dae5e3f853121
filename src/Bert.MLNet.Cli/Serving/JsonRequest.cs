using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Bert.MLNet.Cli.Serving;

/// <summary>A request body read whole, within the server's size limit, and parsed as JSON; each field read with a message naming it.</summary>
internal static class JsonRequest
{
    /// <exception cref="ApiError">413 when the body is larger than <paramref name="limit"/> bytes; 400 when it is not JSON.</exception>
    internal static async Task<JsonDocument> ReadAsync(HttpRequest request, long limit, CancellationToken cancellation)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(request.ContentLength.Value, limit);
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, limit) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellation);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw TooLarge(null, limit);
            }
        }

        try
        {
            return JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"The request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>An optional string field; null when absent or JSON null.</summary>
    internal static string? String(JsonElement body, string name) =>
        Field(body, name) is not { } value ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw ApiError.BadRequest($"'{name}' must be a string, not {Kind(value)}.", name);

    /// <summary>An optional true/false field.</summary>
    internal static bool? Boolean(JsonElement body, string name) =>
        Field(body, name) is not { } value ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw ApiError.BadRequest($"'{name}' must be true or false, not {Kind(value)}.", name);

    /// <summary>An optional whole-number field.</summary>
    internal static int? Integer(JsonElement body, string name) =>
        Field(body, name) is not { } value ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
        : throw ApiError.BadRequest($"'{name}' must be a whole number, not {Kind(value)}.", name);

    /// <summary>A field's value, or null when absent or JSON null.</summary>
    internal static JsonElement? Field(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>How a message names a JSON value's kind.</summary>
    internal static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static ApiError TooLarge(long? length, long limit) =>
        ApiError.TooLarge($"The request body is {(length is { } bytes ? $"{bytes:N0} bytes" : $"over {limit:N0} bytes")}; this server takes at most {limit:N0} (--max-request-bytes).");
}
