from answers.citations import check_citations


def test_single_grouped_and_adjacent_citations_are_parsed() -> None:
    checked = check_citations("Leave is 27 days [1]. Remote work [2, 3] and expenses [3][1].", 3)
    assert checked.cited == [1, 2, 3]
    assert checked.invalid == []
    assert checked.text == "Leave is 27 days [1]. Remote work [2][3] and expenses [3][1]."


def test_numbers_that_match_no_source_are_removed_and_recorded() -> None:
    checked = check_citations("True [1][7]. Also true [0, 2]. Invented [9].", 2)
    assert checked.text == "True [1]. Also true [2]. Invented."
    assert checked.invalid == [7, 0, 9]
    assert checked.cited == [1, 2]


def test_brackets_that_are_not_citations_stay() -> None:
    checked = check_citations("See section [a] and the array x[i].", 2)
    assert checked.text == "See section [a] and the array x[i]."
