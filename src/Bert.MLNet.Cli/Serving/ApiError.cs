using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Bert.MLNet.Cli.Serving;

/// <summary>
/// A request the server refuses, answered in OpenAI's error shape
/// (<c>{"error": {"message", "type", "param", "code"}}</c>) with its HTTP status, so OpenAI clients raise it as they
/// raise OpenAI's own.
/// </summary>
internal sealed class ApiError(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    internal int Status => status;

    internal string? Param => param;

    internal string? Code => code;

    /// <summary>OpenAI's error type for a status.</summary>
    internal string Type => status switch
    {
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status404NotFound => "not_found_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    internal static ApiError BadRequest(string message, string? param = null) => new(StatusCodes.Status400BadRequest, message, param);

    internal static ApiError TooLarge(string message, string? param = null) => new(StatusCodes.Status413PayloadTooLarge, message, param, "request_too_large");

    /// <summary>Writes the error as the response, unless the response has started.</summary>
    internal async Task WriteAsync(HttpContext context)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        // Relaxed escaping keeps quotes in messages readable; the body is JSON, never put into HTML.
        await using var json = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", Message);
        json.WriteString("type", Type);
        WriteNullable(json, "param", param);
        WriteNullable(json, "code", code);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync();

        static void WriteNullable(Utf8JsonWriter json, string name, string? value)
        {
            if (value is null)
            {
                json.WriteNull(name);
            }
            else
            {
                json.WriteString(name, value);
            }
        }
    }
}
