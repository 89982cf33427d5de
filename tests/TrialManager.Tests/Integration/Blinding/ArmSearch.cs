using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// Searches what one caller received for the arms (codes and labels, any case). The only parts left out are those the
/// contract lets everyone see, because they tie no arm to a cluster or participant: the `arms` of the trial resource,
/// and audit events of the arms' own set-up (entity type `trial-arm`; the trial's own events, `trial`, carry no arm,
/// so they are searched like the rest). Extract files are searched whole. For a caller holding an emergency unblinding
/// of some clusters, the `arm` of those clusters' views and of the views of participants now in them is allowed too,
/// and collected as <see cref="Shown"/>.
/// </summary>
public sealed class ArmSearch(Guid trialId, IReadOnlySet<Guid> unblindedClusters)
{
    public static readonly string[] SetUpEntityTypes = ["trial-arm"];

    public List<string> Leaks { get; } = [];

    /// <summary>The allowed sightings: where, whose (cluster or participant id) and which arm.</summary>
    public List<(string Where, Guid Whose, string Arm)> Shown { get; } = [];

    public void Body(string where, string? contentType, byte[] body)
    {
        if (contentType is "application/zip" || (body.Length > 4 && body[0] == 'P' && body[1] == 'K' && body[2] == 3 && body[3] == 4))
        {
            using var zip = new ZipArchive(new MemoryStream(body), ZipArchiveMode.Read);
            foreach (var entry in zip.Entries)
            {
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                Text($"{where} [{entry.FullName}]", reader.ReadToEnd());
            }
            return;
        }
        var text = Encoding.UTF8.GetString(body);
        switch (contentType)
        {
            case "application/json" or "application/problem+json" when text.Length > 0:
                Json(where, JsonNode.Parse(text));
                break;
            case "application/x-ndjson":
                foreach (var (line, i) in text.Split('\n').Select((l, i) => (l, i)).Where(l => l.l.Length > 0))
                    Json($"{where} line {i + 1}", JsonNode.Parse(line));
                break;
            case "text/csv":
                AuditCsv(where, text);
                break;
            default:
                Text(where, text);
                break;
        }
    }

    public void Json(string where, JsonNode? node)
    {
        if (node is null || (node is JsonObject o && IsSetUpEvent(o)))
            return;
        var visible = node.DeepClone();
        Strip(where, visible);
        Walk(where, visible);
    }

    public void Text(string where, string text)
    {
        foreach (var word in BlindedWorld.ArmWords)
            for (var at = text.IndexOf(word, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.OrdinalIgnoreCase))
                Leaks.Add($"{where}: '{word}' in …{Snippet(text, at)}…");
    }

    private void Strip(string where, JsonNode node)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array.ToList())
                    if (item is JsonObject e && IsSetUpEvent(e))
                        array.Remove(item);
                    else if (item is not null)
                        Strip(where, item);
                break;
            case JsonObject o:
                if (o["arms"] is JsonArray && IdOf(o, "id") == trialId)
                    o.Remove("arms");
                if (o["arm"] is JsonValue arm && arm.GetValueKind() == JsonValueKind.String)
                {
                    // A participant's view (or an allocation row) names its cluster; a cluster's view is the cluster.
                    Guid? whose = IdOf(o, "clusterId") is { } cluster
                        ? unblindedClusters.Contains(cluster) ? IdOf(o, "id") ?? cluster : null
                        : IdOf(o, "id") is { } id && unblindedClusters.Contains(id) ? id : null;
                    if (whose is { } w)
                    {
                        Shown.Add(($"{where} {o.GetPath()}", w, arm.GetValue<string>()));
                        o.Remove("arm");
                    }
                }
                foreach (var (_, value) in o.ToList())
                    if (value is not null)
                        Strip(where, value);
                break;
        }
    }

    private static bool IsSetUpEvent(JsonObject o) =>
        o["entityType"] is JsonValue type && type.GetValueKind() == JsonValueKind.String && o["hash"] is not null
        && SetUpEntityTypes.Contains(type.GetValue<string>());

    private static Guid? IdOf(JsonObject o, string property) =>
        o[property] is JsonValue v && v.GetValueKind() == JsonValueKind.String && Guid.TryParse(v.GetValue<string>(), out var id) ? id : null;

    /// <summary>Every property name and string value; `owner` names the nearest object with an id, to say whose arm it was.</summary>
    private void Walk(string where, JsonNode node, string owner = "")
    {
        switch (node)
        {
            case JsonObject o:
                if (IdOf(o, "id") is { } id)
                    owner = $" (of {id}{(IdOf(o, "clusterId") is { } cluster ? $" in cluster {cluster}" : "")})";
                foreach (var (name, value) in o)
                {
                    Text($"{where} {o.GetPath()}{owner} (a property name)", name);
                    if (value is not null)
                        Walk(where, value, owner);
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                    if (item is not null)
                        Walk(where, item, owner);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                Text($"{where} {v.GetPath()}{owner}", v.GetValue<string>());
                break;
        }
    }

    /// <summary>The audit trail as CSV: each row is one event, searched unless it is the arms' set-up.</summary>
    private void AuditCsv(string where, string text)
    {
        var rows = Csv(text);
        var type = rows.Count > 0 ? rows[0].IndexOf("entityType") : -1;
        foreach (var (row, i) in rows.Select((r, i) => (r, i)))
            if (i == 0 || type < 0 || type >= row.Count || !SetUpEntityTypes.Contains(row[type]))
                Text($"{where} row {i + 1}", string.Join(",", row));
    }

    /// <summary>RFC 4180: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    private static List<List<string>> Csv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                    quoted = false;
                else
                    field.Append(c);
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
                (row, field) = (Add(row, field), new StringBuilder());
            else if (c == '\n')
            {
                rows.Add(Add(row, field));
                (row, field) = ([], new StringBuilder());
            }
            else if (c != '\r')
                field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0)
            rows.Add(Add(row, field));
        return rows;

        static List<string> Add(List<string> row, StringBuilder field)
        {
            row.Add(field.ToString());
            return row;
        }
    }

    private static string Snippet(string text, int at)
    {
        var from = Math.Max(0, at - 60);
        return text[from..Math.Min(text.Length, at + 60)].ReplaceLineEndings(" ");
    }
}
