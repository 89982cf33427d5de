using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// The audit chain re-computed as an outside auditor would, from the README's description of the canonical form and
/// nothing of the service's code: each event is a JSON array of its fields, hashed with the hash of the event before
/// it in its strand. Events come from any of the trail's formats (JSON pages, JSON Lines, CSV) as JSON objects.
/// </summary>
public static class OutsideAuditor
{
    public static readonly byte[] Genesis = new byte[32];

    /// <summary>The hashed form of a change: a sealed value as {"commitment": hex}, whatever the reader was shown.</summary>
    public static JsonArray HashedChanges(JsonArray changes) => new(changes.Select(c =>
    {
        var change = c!.AsObject();
        var hashed = new JsonObject { ["field"] = change["field"]!.DeepClone() };
        foreach (var side in new[] { "old", "new" })
            hashed[side] = change["sealed"]?[side]?["commitment"] is { } commitment
                ? new JsonObject { ["commitment"] = commitment.DeepClone() }
                : change[side]?.DeepClone();
        if (change["blinded"]?.GetValue<bool>() == true)
            hashed["blinded"] = true;
        return (JsonNode?)hashed;
    }).ToArray());

    public static JsonNode? HashedReason(JsonObject e) =>
        e["reasonCommitment"] is { } commitment ? new JsonObject { ["commitment"] = commitment.DeepClone() } : e["reason"]?.DeepClone();

    /// <summary>The event's hash as the README defines it, from the given changes and reason (what an attacker substitutes).</summary>
    public static byte[] Hash(JsonObject e, JsonNode changes, JsonNode? reason, string version, byte[] previousHash) =>
        Hash(Canonical(e, changes, reason, version), previousHash);

    public static byte[] Hash(string canonical, byte[] previousHash) => SHA256.HashData([.. Encoding.UTF8.GetBytes(canonical), .. previousHash]);

    public static string Canonical(JsonObject e, JsonNode changes, JsonNode? reason, string version)
    {
        var canonical = new JsonArray(
            version,
            Text(e, "id"),
            Text(e, "chainId") ?? Text(e, "trialId"),
            e["strand"]!.GetValue<int>(),
            e["sequence"]!.GetValue<long>(),
            Text(e, "trialId"),
            Timestamp(e["occurredAt"]!.GetValue<DateTimeOffset>()),
            Text(e, "action"),
            Text(e, "entityType"),
            Text(e, "entityId"),
            changes.DeepClone(),
            Text(e["actor"]!.AsObject(), "userId"),
            Text(e["actor"]!.AsObject(), "role"),
            Text(e, "requestId"),
            reason?.DeepClone());
        return canonical.ToJsonString();
    }

    public static string Version(JsonObject e) => Text(e, "canonicalVersion") ?? "tm-audit-v1";

    /// <summary>Re-computes every event from what the reader was shown and checks the links; the problems found, if any.</summary>
    public static List<string> Verify(IReadOnlyList<JsonObject> events)
    {
        var problems = new List<string>();
        foreach (var strand in events.GroupBy(e => e["strand"]!.GetValue<int>()))
        {
            var previous = Genesis;
            foreach (var e in strand.OrderBy(e => e["sequence"]!.GetValue<long>()))
            {
                var published = Convert.FromHexString(Text(e, "hash")!);
                if (!Convert.FromHexString(Text(e, "previousHash")!).AsSpan().SequenceEqual(previous))
                    problems.Add($"{e["id"]}: does not link to the event before it");
                var hash = Hash(e, HashedChanges(e["changes"]!.AsArray()), HashedReason(e), Version(e), previous);
                if (!hash.AsSpan().SequenceEqual(published))
                    problems.Add($"{e["id"]} ({e["entityType"]}): re-computed hash differs");
                previous = published;
            }
        }
        return problems;
    }

    public static List<JsonObject> FromJsonLines(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();

    /// <summary>The CSV export's rows as the same JSON objects the JSON formats give.</summary>
    public static List<JsonObject> FromCsv(string body)
    {
        using var csv = CsvReader.FromText(body, null);
        var events = new List<JsonObject>();
        while (csv.Read())
        {
            string? Field(string name) => csv.GetString(name) is { Length: > 0 } value ? value : null;
            events.Add(new JsonObject
            {
                ["id"] = Field("id"), ["chainId"] = Field("chainId"), ["trialId"] = Field("trialId"),
                ["strand"] = int.Parse(Field("strand")!, CultureInfo.InvariantCulture),
                ["sequence"] = long.Parse(Field("sequence")!, CultureInfo.InvariantCulture),
                ["occurredAt"] = DateTimeOffset.Parse(Field("occurredAt")!, CultureInfo.InvariantCulture),
                ["action"] = Field("action"), ["entityType"] = Field("entityType"), ["entityId"] = Field("entityId"),
                ["changes"] = JsonNode.Parse(Field("changes")!),
                ["actor"] = new JsonObject { ["userId"] = Field("actorUserId"), ["role"] = Field("actorRole") },
                ["requestId"] = Field("requestId"), ["reason"] = Field("reason"), ["reasonCommitment"] = Field("reasonCommitment"),
                ["reasonSalt"] = Field("reasonSalt"), ["canonicalVersion"] = Field("canonicalVersion"),
                ["previousHash"] = Field("previousHash"), ["hash"] = Field("hash"),
            });
        }
        return events;
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string? Text(JsonObject o, string name) => o[name] is { } value && value.GetValueKind() != JsonValueKind.Null ? value.GetValue<string>() : null;
}
