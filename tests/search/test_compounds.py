"""The compound splitter (search/compounds.py) against the shipped word list: each rule it keeps."""

from search.compounds import hyphen_joined, index_parts, lexicon, part_around, split


def parts(word):
    return {p.text.lower() for p in split(word)}


def test_parts_in_every_position_and_runs_of_parts():
    assert parts("Abwassergebührenbescheid") >= {"abwasser", "wasser", "gebühren", "bescheid", "gebührenbescheid"}
    assert parts("Glasfaserausbau") >= {"glas", "faser", "glasfaser", "ausbau"}


def test_linking_elements_are_not_part_of_the_part():
    assert parts("Arbeitsvertrag") == {"arbeit", "vertrag"}
    assert "frauen" in parts("Frauenbeauftragte") and "beauftragte" in parts("Frauenbeauftragte")
    assert parts("Kindergärten") == {"kinder", "gärten"}
    assert parts("Straßenverkehrsbehörde") >= {"straßen", "verkehrs", "behörde"}  # genitive: stemmed as Verkehr


def test_a_linking_s_is_not_taken_from_the_next_part():
    """Wasser|stand and Abwasser|satzung, not Wassers|tand and Abwassers|atzung (longest last part wins)."""
    assert parts("Wasserstand") == {"wasser", "stand"}
    assert "satzung" in parts("Abwassersatzung")
    assert "stücks" in parts("Grundstückseigentümer")


def test_stems_only_before_another_part():
    """Schul- (Schule) and Wohn- (das Wohnen) begin compounds; as the last part they are not words."""
    assert parts("Schulweg") == {"schul", "weg"}
    assert parts("Wohngeldantrag") >= {"wohn", "geld", "antrag"}
    assert "lung" not in parts("Stellung") and parts("Stellung") == set()  # Lunge -> lung: not a last part


def test_ordinary_words_are_not_split():
    for word in (
        "Verwaltung",
        "Bescheinigung",
        "Versicherung",
        "Glasur",
        "Bauer",
        "Beamte",
        "Gebühr",
        "Vertrag",
        "Bescheid",
        "Gemeinde",
        "Erlaubnis",
        "Zuständigkeit",
        "Mitteilung",
        "Abteilung",
        "Anlage",
        "Unterschrift",
        "Haushalt",
        "Vollmacht",
        "Gutachten",
    ):
        assert split(word) == (), word


def test_a_prefix_yields_the_noun_after_it_only_when_that_noun_is_meant():
    assert parts("Abwasser") == {"wasser"}
    assert parts("Nebenkosten") == {"kosten"}
    for word in ("Anschluss", "Widerspruch", "Einrichtung", "Vorstellung", "Ausbau", "Auftrag"):
        assert split(word) == (), word


def test_no_part_shorter_than_three_letters():
    words = lexicon()
    assert all(len(w) >= 3 for w in words.parts | words.stems)
    assert all(len(p.text) >= 3 for w in ("Bauamt", "Radweg", "Rathaus", "Hofeinfahrt") for p in split(w))


def test_umlaut_transliteration_and_sharp_s_split_alike():
    assert parts("Gebuehrenbescheid") == {"gebuehren", "bescheid"}
    assert parts("Strassenreinigung") == {"strassen", "reinigung"}


def test_offsets_point_at_the_part_in_the_word():
    word = "Straßenbauamt"
    assert {word[p.start : p.end] for p in split(word)} == {p.text for p in split(word)}
    assert any(word[p.start : p.end] == "bau" for p in split(word))


def test_hyphenated_compounds_are_also_one_word():
    assert hyphen_joined("Online-Dienst") == "OnlineDienst" and hyphen_joined("63.10-2") is None
    assert {"OnlineDienst", "EAkte"} <= set(index_parts("Der Online-Dienst und die E-Akte").split())


def test_index_parts_lists_each_part_once():
    text = "Kaufvertrag und Kaufvertrag, Arbeitsvertrag"
    assert sorted(index_parts(text).split()) == ["Arbeit", "Kauf", "vertrag"]


def test_part_around_finds_the_part_inside_its_word():
    text = "Der Kaufvertrag liegt vor."
    assert part_around(text, 8, lambda p: p.lower() == "vertrag") == (8, 15)
    assert part_around(text, 8, lambda p: p.lower() == "miete") is None
