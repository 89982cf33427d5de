using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Sealed values of the audit trail. A value that reveals an allocation enters the hash chain only as a commitment,
/// hex(SHA-256(salt ‖ value)), where salt is 32 fresh random bytes and value the UTF-8 bytes of the value's compact
/// JSON text. The value and its salt are kept beside the event, outside the hash, for readers who see every arm.
/// Without the salt a commitment is indistinguishable from random to anyone who can only guess the value (they would
/// have to guess 256 random bits as well), so every reader can be given the chain and re-compute it; with the salt,
/// anyone can check that the kept value is the one that was committed to. Pure, so that the rule is tested on its own.
/// </summary>
public static class AuditSeal
{
    public const int SaltBytes = 32;
    public const string CommitmentProperty = "commitment";

    /// <summary>One sealed value: where it sits in the event, its JSON text, and its salt.</summary>
    public sealed record Opening(string Field, bool Old, byte[] ValueJson, byte[] Salt)
    {
        public string Commitment => Commit(Salt, ValueJson);
    }

    public static string Commit(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> valueJson)
    {
        var input = new byte[salt.Length + valueJson.Length];
        salt.CopyTo(input);
        valueJson.CopyTo(input.AsSpan(salt.Length));
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    public static byte[] NewSalt(RandomNumberGenerator random)
    {
        var salt = new byte[SaltBytes];
        random.GetBytes(salt);
        return salt;
    }

    /// <summary>The JSON text of a string value (a sealed reason), as the commitment covers it.</summary>
    public static byte[] StringJson(string value) => JsonSerializer.SerializeToUtf8Bytes(value);

    /// <summary>{changes: {field: {old?, new?: {value, salt}}}, reason?: {value, salt}}, the values as their JSON text.</summary>
    public static string WriteSealedValues(IReadOnlyList<Opening> changes, Opening? reason)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("changes");
            foreach (var field in changes.GroupBy(o => o.Field))
            {
                json.WriteStartObject(field.Key);
                foreach (var opening in field.OrderBy(o => o.Old ? 0 : 1))
                    WriteOpening(json, opening.Old ? "old" : "new", opening);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            if (reason is not null)
                WriteOpening(json, "reason", reason);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteOpening(Utf8JsonWriter json, string name, Opening opening)
    {
        json.WriteStartObject(name);
        json.WritePropertyName("value");
        json.WriteRawValue(opening.ValueJson, skipInputValidation: true);
        json.WriteString("salt", Convert.ToHexStringLower(opening.Salt));
        json.WriteEndObject();
    }

    /// <summary>The opening of one sealed value, as kept: its value and salt, or null when it was not sealed.</summary>
    public static (JsonNode? Value, string Salt)? Find(JsonNode? sealedValues, string field, string side)
    {
        var opening = sealedValues?["changes"]?[field]?[side];
        return opening is null ? null : (opening["value"]?.DeepClone(), opening["salt"]!.GetValue<string>());
    }

    public static (string Value, string Salt)? FindReason(JsonNode? sealedValues) =>
        sealedValues?["reason"] is { } reason ? (reason["value"]!.GetValue<string>(), reason["salt"]!.GetValue<string>()) : null;

    /// <summary>
    /// Checks that every sealed value of an event is kept and opens its commitment: each blinded change's committed
    /// old and new value, and a sealed reason. The problems name the field, never a value.
    /// </summary>
    public static IEnumerable<string> Check(string changesJson, string? reasonCommitment, string? sealedValuesJson)
    {
        using var sealedValues = sealedValuesJson is null ? null : JsonDocument.Parse(sealedValuesJson);
        var openings = sealedValues?.RootElement;
        using var changes = JsonDocument.Parse(changesJson);
        foreach (var change in changes.RootElement.EnumerateArray())
        {
            if (!change.TryGetProperty("blinded", out var blinded) || blinded.ValueKind != JsonValueKind.True)
                continue;
            var field = change.GetProperty("field").GetString()!;
            foreach (var side in new[] { "old", "new" })
            {
                if (!change.TryGetProperty(side, out var stored) || stored.ValueKind != JsonValueKind.Object
                    || !stored.TryGetProperty(CommitmentProperty, out var commitment))
                    continue;
                if (openings is not { } o || !o.TryGetProperty("changes", out var fields) || !fields.TryGetProperty(field, out var sides)
                    || !sides.TryGetProperty(side, out var opening))
                    yield return $"the sealed {side} value of '{field}' is missing";
                else if (!Opens(commitment.GetString()!, opening))
                    yield return $"the sealed {side} value of '{field}' does not match its commitment";
            }
        }
        if (reasonCommitment is not null)
        {
            if (openings is not { } o || !o.TryGetProperty("reason", out var reason))
                yield return "the sealed reason is missing";
            else if (!Opens(reasonCommitment, reason))
                yield return "the sealed reason does not match its commitment";
        }
    }

    private static bool Opens(string commitment, JsonElement opening)
    {
        Span<byte> salt = stackalloc byte[SaltBytes];
        return opening.TryGetProperty("value", out var value) && opening.TryGetProperty("salt", out var saltHex)
            && saltHex.GetString() is { Length: SaltBytes * 2 } hex
            && Convert.FromHexString(hex, salt, out _, out _) == System.Buffers.OperationStatus.Done
            && string.Equals(Commit(salt, Encoding.UTF8.GetBytes(value.GetRawText())), commitment, StringComparison.Ordinal);
    }
}
